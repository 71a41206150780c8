namespace CnnMl.Tests.Support;

/// <summary>Where the tests find MNIST and the PyTorch fixtures.</summary>
internal static class TestPaths
{
    /// <summary>True when running under CI (CI=true): missing inputs fail instead of skipping.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The repository root (the folder holding CnnMl.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>MNIST folder: $CNNML_DATA, else data/mnist under the repository.</summary>
    public static string MnistDirectory =>
        Environment.GetEnvironmentVariable("CNNML_DATA") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryRoot, "data", "mnist");

    /// <summary>The small PyTorch fixtures kept in the repository: test/CnnEstimators.Tests/Fixtures/pytorch.</summary>
    public static string RepositoryPyTorchFixtures => Path.Combine(RepositoryRoot, "test", "CnnEstimators.Tests", "Fixtures", "pytorch");

    /// <summary>The large PyTorch fixtures, kept outside the repository: $CNNML_PYTORCH_FIXTURES, else ../shared/fixtures/pytorch beside it.</summary>
    public static string PyTorchFixtures =>
        Environment.GetEnvironmentVariable("CNNML_PYTORCH_FIXTURES") is { Length: > 0 } dir
            ? dir
            : Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "fixtures", "pytorch"));

    /// <summary>Skips (locally) or fails (under CI) when MNIST has not been set up.</summary>
    public static string RequireMnist()
    {
        var dir = MnistDirectory;
        if (!File.Exists(Path.Combine(dir, "train-images-idx3-ubyte")))
            Unavailable($"MNIST not found in {dir}: run scripts/setup.sh (or set CNNML_DATA).");
        return dir;
    }

    /// <summary>A small PyTorch fixture from the repository; its absence is a broken checkout, a failure.</summary>
    public static string RepositoryFixture(string fileName)
    {
        var path = Path.Combine(RepositoryPyTorchFixtures, fileName);
        if (!File.Exists(path)) Assert.Fail($"PyTorch fixture {path} is missing from the repository (see Fixtures/pytorch/README.md).");
        return path;
    }

    /// <summary>A large PyTorch fixture from outside the repository: Inconclusive (locally) or a failure (under CI) naming the file when absent.</summary>
    public static string RequireLargeFixture(string fileName)
    {
        var path = Path.Combine(PyTorchFixtures, fileName);
        if (!File.Exists(path))
            Unavailable($"Large PyTorch fixture '{fileName}' is not in this checkout: it is kept outside the repository, in {PyTorchFixtures} " +
                        "(or the folder in CNNML_PYTORCH_FIXTURES); see test/CnnEstimators.Tests/Fixtures/pytorch/README.md.");
        return path;
    }

    /// <summary>A PyTorch fixture from the repository when it is kept there, else from the large fixtures outside it.</summary>
    public static string Fixture(string fileName) =>
        File.Exists(Path.Combine(RepositoryPyTorchFixtures, fileName)) ? RepositoryFixture(fileName) : RequireLargeFixture(fileName);

    private static void Unavailable(string message)
    {
        if (IsCi) Assert.Fail(message + " Under CI=true a missing input is a failure.");
        Assert.Inconclusive(message);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CnnMl.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"CnnMl.sln not found above {AppContext.BaseDirectory}.");
    }
}
