using System.Security.Cryptography;

namespace CnnMl.Tests.Support;

/// <summary>
/// Where the tests find MNIST and the PyTorch fixtures, all inside the clone. A missing one fails the test with what
/// to run: the test set-up (<c>scripts/setup.sh --for-tests</c>, which <c>scripts/test.sh</c> runs) makes them all.
/// </summary>
internal static class TestPaths
{
    private const string SetUp = "run 'bash scripts/setup.sh --for-tests' (scripts/test.sh runs it)";

    /// <summary>The repository root (the folder holding CnnMl.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>MNIST folder: $CNNML_DATA, else data/mnist under the repository (as scripts/setup.sh puts it).</summary>
    public static string MnistDirectory =>
        Environment.GetEnvironmentVariable("CNNML_DATA") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryRoot, "data", "mnist");

    /// <summary>The small PyTorch fixtures kept in the repository: test/CnnEstimators.Tests/Fixtures/pytorch.</summary>
    public static string RepositoryPyTorchFixtures => Path.Combine(RepositoryRoot, "test", "CnnEstimators.Tests", "Fixtures", "pytorch");

    /// <summary>
    /// The PyTorch fixtures the test set-up generates with scripts/pytorch/make_fixtures.py (the large resnet18 and
    /// mobilenet-v2 files, the Conv3d one): artifacts/fixtures/pytorch, git-ignored.
    /// </summary>
    public static string GeneratedPyTorchFixtures => Path.Combine(RepositoryRoot, "artifacts", "fixtures", "pytorch");

    /// <summary>The folder of the PyTorch scripts (make_fixtures.py, check_weights.py, train_ddp.py, ...).</summary>
    public static string PyTorchScripts => Path.Combine(RepositoryRoot, "scripts", "pytorch");

    private static readonly Lazy<string?> StaleGeneratedFixtures = new(FindStaleGeneratedFixtures);

    /// <summary>The MNIST folder; fails the test when MNIST has not been set up.</summary>
    public static string RequireMnist()
    {
        var dir = MnistDirectory;
        if (!File.Exists(Path.Combine(dir, "train-images-idx3-ubyte")))
            Assert.Fail($"MNIST not found in {dir}: {SetUp}, or set CNNML_DATA to a folder holding the four idx files.");
        return dir;
    }

    /// <summary>A small PyTorch fixture from the repository; its absence is a broken checkout, a failure.</summary>
    public static string RepositoryFixture(string fileName)
    {
        var path = Path.Combine(RepositoryPyTorchFixtures, fileName);
        if (!File.Exists(path)) Assert.Fail($"PyTorch fixture {path} is missing from the repository (see Fixtures/pytorch/README.md).");
        return path;
    }

    /// <summary>
    /// A PyTorch fixture made by the test set-up; fails the test naming the file when it is absent, or when the
    /// fixtures were made by another version of the generator than the repository's.
    /// </summary>
    public static string GeneratedFixture(string fileName)
    {
        var path = Path.Combine(GeneratedPyTorchFixtures, fileName);
        if (!File.Exists(path))
            Assert.Fail($"PyTorch fixture '{fileName}' has not been generated (expected at {path}): {SetUp}; it makes it with " +
                        "Debian's python3-torch by scripts/pytorch/make_fixtures.py.");
        if (StaleGeneratedFixtures.Value is { } stale) Assert.Fail(stale);
        return path;
    }

    /// <summary>A PyTorch fixture from the repository when it is kept there, else one the test set-up generated.</summary>
    public static string Fixture(string fileName) =>
        File.Exists(Path.Combine(RepositoryPyTorchFixtures, fileName)) ? RepositoryFixture(fileName) : GeneratedFixture(fileName);

    // The generator stamps its fixtures with "<sha256>  <script>" lines for itself and the module definitions it
    // imports: fixtures made by an older script are not what the repository's script makes.
    private static string? FindStaleGeneratedFixtures()
    {
        var stampPath = Path.Combine(GeneratedPyTorchFixtures, "generator.sha256");
        if (!File.Exists(stampPath)) return $"The generated PyTorch fixtures in {GeneratedPyTorchFixtures} have no generator.sha256 (an interrupted set-up?): {SetUp}.";
        foreach (var line in File.ReadAllLines(stampPath).Where(l => l.Contains("  ", StringComparison.Ordinal)))
        {
            var (hash, script) = (line[..line.IndexOf(' ')], line[(line.IndexOf(' ') + 2)..]);
            var scriptPath = Path.Combine(PyTorchScripts, script);
            var current = File.Exists(scriptPath) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(scriptPath))) : "absent";
            if (current != hash)
                return $"The PyTorch fixtures in {GeneratedPyTorchFixtures} were made by another version of scripts/pytorch/{script} " +
                       $"(SHA-256 {hash}, the repository's is {current}): {SetUp} to remake them.";
        }
        return null;
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
