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

    /// <summary>PyTorch fixtures: $CNNML_PYTORCH_FIXTURES, else ../shared/fixtures/pytorch beside the repository.</summary>
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

    /// <summary>Skips (locally) or fails (under CI) when a fixture file is absent.</summary>
    public static string RequireFixture(string fileName)
    {
        var path = Path.Combine(PyTorchFixtures, fileName);
        if (!File.Exists(path))
            Unavailable($"PyTorch fixture {path} not found (set CNNML_PYTORCH_FIXTURES).");
        return path;
    }

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
