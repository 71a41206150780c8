using System.IO.Compression;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Tests.Support;
using Microsoft.ML;

namespace CnnMl.Tests.Packaging;

/// <summary>
/// CnnMl as a user meets it: from its packages, outside this repository. <c>scripts/pack.sh</c> packs both packages
/// once, under a package version unique to the run (0.1.0-pkgtestYYYYMMDDhhmmssNNNN), into a feed in a temporary
/// folder outside the clone; a unique version means the machine's global package folder can never serve a stale CnnMl
/// from an earlier run, and the class removes its own entry from that folder afterwards. Everything else comes from the
/// machine's configured NuGet source, through the global package folder every other restore here uses.
/// </summary>
/// <remarks>
/// The consumer project follows README.md literally: its Install section's <c>dotnet add package</c> and
/// <c>dotnet tool install</c> lines, and its first C# example as Program.cs, with only the training budget made small
/// (see <see cref="ReadmeProgram"/>). When the README changes shape, these tests say which part they no longer find.
/// </remarks>
[TestClass]
[TestCategory("Packaging")]
public sealed class PackageConsumerTests
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    private static TemporaryFolder? _root;
    private static string _version = "";
    private static string _assemblyVersion = "";
    private static string _feed = "";

    private static string Root => _root!.Path;

    private static string PackScript => Path.Combine(TestPaths.RepositoryRoot, "scripts", "pack.sh");

    [ClassInitialize]
    public static void PackBothPackages(TestContext _)
    {
        _root = new TemporaryFolder("cnnml-packages");
        Assert.IsFalse(IsInside(Root, TestPaths.RepositoryRoot), $"{Root} must be outside the clone ({TestPaths.RepositoryRoot}).");
        _feed = Path.Combine(Root, "feed");
        // VersionPrefix, as the build under test stamped it into the library (0.1.0+<commit>).
        var prefix = InformationalVersion(typeof(CnnCatalog)).Split('+', '-')[0];
        // The packages' version alone: the assemblies keep theirs, so the build of the test command is reused as it is.
        var version = $"{prefix}-pkgtest{DateTime.UtcNow:yyyyMMddHHmmss}{Random.Shared.Next(1000, 10000)}";
        var pack = ExternalCommand.Run("bash", [PackScript, "--output", _feed, "--package-version", version], TestPaths.RepositoryRoot, PackTimeout).Succeeded();
        StringAssert.Contains(pack.StandardOutput, $"[pack] version {version}", pack.ToString());
        _assemblyVersion = prefix;
        _version = version;
    }

    [ClassCleanup]
    public static void RemoveWhatTheRunLeft()
    {
        _root?.Dispose();
        // The consumer's restore put this run's CnnMl into the machine's global package folder: take it out again.
        var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var restored = Path.Combine(globalPackages, "cnnml", _version.ToLowerInvariant());
        if (_version.Length > 0 && Directory.Exists(restored)) Directory.Delete(restored, recursive: true);
        var id = Path.GetDirectoryName(restored)!;
        if (Directory.Exists(id) && !Directory.EnumerateFileSystemEntries(id).Any()) Directory.Delete(id);
    }

    [TestMethod]
    public void TheLibraryPackageLeavesLibTorchToTheApplication()
    {
        var library = Path.Combine(_feed, $"CnnMl.{_version}.nupkg");
        using var zip = ZipFile.OpenRead(library);
        var nuspec = Nuspec(zip, "CnnMl.nuspec");
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;

        var dependencies = metadata.Descendants(ns + "dependency").Select(d => (string)d.Attribute("id")!).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.IsSubsetOf(
            new[] { "Microsoft.ML", "Microsoft.ML.ImageAnalytics", "Microsoft.ML.OnnxRuntime", "Microsoft.ML.OnnxTransformer", "TorchSharp", "TorchSharp.PyBridge" },
            dependencies, string.Join(", ", dependencies));
        foreach (var id in dependencies)
        {
            Assert.IsFalse(id.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase) || id.StartsWith("TorchSharp-", StringComparison.OrdinalIgnoreCase),
                $"The library must not pick a libtorch for the application: it depends on {id}.");
            Assert.IsFalse(id is "MSTest" or "Microsoft.ML.TorchSharp" or "Microsoft.ML.LightGbm" or "TorchVision" or "Spectre.Console" or "OxyPlot.SkiaSharp",
                $"{id} belongs to the tests or the console, not to the library's dependencies.");
        }
        Assert.AreEqual("MIT", (string?)metadata.Element(ns + "license"));
        Assert.AreEqual("PACKAGE.md", (string?)metadata.Element(ns + "readme"));
        var repository = metadata.Element(ns + "repository")!;
        StringAssert.Matches((string)repository.Attribute("commit")!, new Regex("^[0-9a-f]{40}$"));

        var entries = zip.Entries.Select(e => e.FullName).ToArray();
        CollectionAssert.Contains(entries, "lib/net10.0/CnnMl.CnnEstimators.dll");
        CollectionAssert.Contains(entries, "lib/net10.0/CnnMl.CnnEstimators.xml");
        CollectionAssert.Contains(entries, "PACKAGE.md");
        Assert.IsFalse(entries.Any(e => e.StartsWith("runtimes/", StringComparison.Ordinal)), "platform-neutral: no native files");

        using var symbols = ZipFile.OpenRead(Path.Combine(_feed, $"CnnMl.{_version}.snupkg"));
        CollectionAssert.Contains(symbols.Entries.Select(e => e.FullName).ToArray(), "lib/net10.0/CnnMl.CnnEstimators.pdb");
    }

    [TestMethod]
    public void TheToolIsASmallPointerPackageAndOnePackagePerPlatform()
    {
        var pointer = new FileInfo(Path.Combine(_feed, $"CnnMl.Cli.{_version}.nupkg"));
        var linux = new FileInfo(Path.Combine(_feed, $"CnnMl.Cli.linux-x64.{_version}.nupkg"));
        Console.WriteLine($"{pointer.Name}: {pointer.Length:N0} bytes; {linux.Name}: {linux.Length:N0} bytes");
        Assert.IsTrue(pointer.Length < 100_000, $"{pointer.Name} is {pointer.Length:N0} bytes: it should point to the platform packages, not carry the tool.");
        // NuGet galleries refuse packages over 250 MB; libtorch for linux-x64 alone is about 128 MB compressed.
        Assert.IsTrue(linux.Length is > 100_000_000 and < 250L * 1024 * 1024, $"{linux.Name} is {linux.Length:N0} bytes.");

        using var zip = ZipFile.OpenRead(linux.FullName);
        var entries = zip.Entries.Select(e => e.FullName).ToArray();
        CollectionAssert.Contains(entries, "tools/net10.0/linux-x64/libtorch_cpu.so");
        CollectionAssert.Contains(entries, "tools/net10.0/linux-x64/libLibTorchSharp.so");
        Assert.IsFalse(entries.Any(e => e.EndsWith(".dll", StringComparison.Ordinal) && Path.GetFileName(e).StartsWith("torch", StringComparison.Ordinal)),
            "only linux-x64's libtorch belongs in the linux-x64 package");
    }

    [TestMethod]
    public void ANewConsoleAppRunsTheReadmeExampleAndPlainMlNetLoadsItsModel()
    {
        var mnist = TestPaths.RequireMnist();
        var readme = ReadmeSections.Load();
        var folder = Path.Combine(Root, "consumer");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "nuget.config"), LocalFeedConfig());
        var dotnet = ExternalCommand.DotnetHost();
        ExternalCommand.Run(dotnet, ["new", "console", "--name", "App", "--output", "App", "--framework", "net10.0"], folder, StepTimeout).Succeeded();
        var app = Path.Combine(folder, "App");
        Directory.CreateDirectory(Path.Combine(app, "data"));
        File.CreateSymbolicLink(Path.Combine(app, "data", "mnist"), mnist);
        File.WriteAllText(Path.Combine(app, "Program.cs"), ReadmeProgram(readme.FirstCSharpExample));

        // A user who adds CnnMl alone: the first call into it says which libtorch package to add. TorchSharp would
        // otherwise borrow libtorch from the global package folder, which has one here: point it at an empty one.
        var (library, libtorch) = readme.AddPackageLines();
        // --no-restore: the build right after restores once, instead of each line restoring on its own.
        DotnetCommandLine(dotnet, library, app, ["--version", _version, "--no-restore"]);
        var built = Build(dotnet, app);
        var noLibTorch = ExternalCommand.Run(dotnet, [built], app, StepTimeout,
            new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Directory.CreateDirectory(Path.Combine(folder, "no-packages")).FullName });
        Assert.AreNotEqual(0, noLibTorch.ExitCode, noLibTorch.ToString());
        StringAssert.Contains(noLibTorch.StandardError, "CnnMl.Runtime.TorchNativeLibraryException: TorchSharp's native library (libtorch) could not be loaded.", noLibTorch.ToString());
        StringAssert.Contains(noLibTorch.StandardError, "'dotnet add package libtorch-cpu-linux-x64 --version 2.10.0'", noLibTorch.ToString());

        // Then the libtorch line exactly as the README gives it.
        DotnetCommandLine(dotnet, libtorch, app, ["--no-restore"]);
        built = Build(dotnet, app);
        var run = ExternalCommand.Run(dotnet, [built], app, StepTimeout).Succeeded();
        var printed = Regex.Match(run.StandardOutput, @"accuracy (\d+\.\d\d) ?%");
        Assert.IsTrue(printed.Success, run.ToString());
        var accuracy = double.Parse(printed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) / 100;
        // The seed CNN, 1 epoch on the first 2,000 training images, MLContext seed 1: 80.40% on the first 1,000 test
        // images (cnnml train with the same budget printed the same figure); with 1,000 training images, 64.50%.
        Assert.IsTrue(accuracy >= 0.75, $"accuracy {accuracy:P2}\n{run}");
        var zip = Path.Combine(app, "mnist-cnn.zip");
        Assert.IsTrue(File.Exists(zip), run.ToString());

        // The zip in a process that has ML.NET's packages and no CnnMl: the same rows give the same accuracy.
        var rows = Path.Combine(folder, "test-rows.idv");
        var ml = new MLContext(seed: 1);
        using (var file = File.Create(rows))
            ml.Data.SaveAsBinary(ml.Data.LoadMnist(mnist, MnistSplit.Test, maxRows: TestRows), file);
        var consumer = PlainConsumerProcess.Run(PlainMlNet.V6, [new ConsumerJob(zip, rows, Path.Combine(folder, "consumer.json"))], folder).Single();
        Assert.AreEqual(TestRows, consumer.Rows);
        Assert.AreEqual(printed.Groups[1].Value, (consumer.MicroAccuracy * 100).ToString("F2", System.Globalization.CultureInfo.InvariantCulture),
            "plain ML.NET scores the saved zip as the app scored its model");
    }

    [TestMethod]
    public void TheToolInstallsFromItsPackageAndRunsItsCommands()
    {
        var mnist = TestPaths.RequireMnist();
        var readme = ReadmeSections.Load();
        var tools = Path.Combine(Root, "tools");
        var work = Directory.CreateDirectory(Path.Combine(Root, "tool-work")).FullName;
        var dotnet = ExternalCommand.DotnetHost();
        // The README's `dotnet tool install --global CnnMl.Cli`, into a tool path of this run instead of the user's.
        var install = readme.ToolInstallLine().Replace("--global", $"--tool-path {tools}", StringComparison.Ordinal);
        DotnetCommandLine(dotnet, install, work, ["--version", _version, "--add-source", _feed]);
        var cnnml = Path.Combine(tools, "cnnml");
        var noMnist = new Dictionary<string, string?> { ["CNNML_DATA"] = null };

        var version = ExternalCommand.Run(cnnml, ["--version"], work, StepTimeout).Succeeded();
        var lines = version.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        StringAssert.Matches(lines[0], new Regex($@"^cnnml {Regex.Escape(_assemblyVersion)}\+[0-9a-f]{{40}}(\.dirty)?$"), version.ToString());
        // The versions in use, as this test process (built from the same repository) has them loaded.
        AssertLine(lines, "ML.NET", InformationalVersion(typeof(MLContext)));
        AssertLine(lines, "TorchSharp", InformationalVersion(typeof(TorchSharp.torch)));
        AssertLine(lines, "libtorch", TorchSharp.torch.__version__ + " (" + Path.Combine(tools, ".store"));
        AssertLine(lines, "ONNX Runtime", Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString() + " (" + Path.Combine(tools, ".store"));

        var architectures = ExternalCommand.Run(cnnml, ["architectures"], work, StepTimeout).Succeeded();
        foreach (var architecture in CnnArchitectures.All)
            StringAssert.Contains(architectures.StandardOutput, architecture.Name + " ");

        // No MNIST where the tool looks by default (./data/mnist): one line saying how to get it, no stack trace.
        var missing = ExternalCommand.Run(cnnml, ["train", "--epochs", "1"], work, StepTimeout, noMnist);
        Assert.AreEqual(1, missing.ExitCode, missing.ToString());
        var error = missing.StandardError.Trim();
        Assert.IsFalse(error.Contains('\n'), "one line on stderr\n" + missing);
        StringAssert.StartsWith(error, "cnnml: error: MNIST folder 'data/mnist' does not exist.");
        StringAssert.Contains(error, "'cnnml data mnist --data data/mnist'");

        var model = Path.Combine(work, "model.zip");
        var train = ExternalCommand.Run(cnnml, ["train", "--arch", "mnist-cnn", "--epochs", "1", "--train-limit", "500", "--test-limit", "200",
            "--data", mnist, "--out", model], work, StepTimeout, noMnist).Succeeded();
        StringAssert.Matches(train.StandardOutput, new Regex(@"Reloaded with ML\.NET: test accuracy \d+\.\d\d %"), train.ToString());
        Assert.IsTrue(File.Exists(model), train.ToString());
    }

    [TestMethod]
    public void PackingAWorkingTreeWithChangesMarksTheVersionDirty()
    {
        Assert.IsTrue(Directory.Exists(Path.Combine(TestPaths.RepositoryRoot, ".git")) || File.Exists(Path.Combine(TestPaths.RepositoryRoot, ".git")),
            "the clone is a git checkout");
        var clone = Path.Combine(Root, "clone");
        ExternalCommand.Run("git", ["clone", "--quiet", "--shared", TestPaths.RepositoryRoot, clone], Root, StepTimeout).Succeeded();
        var head = ExternalCommand.Run("git", ["rev-parse", "HEAD"], clone, StepTimeout).Succeeded().StandardOutput.Trim();
        string PrintVersion() => ExternalCommand.Run("bash", ["scripts/pack.sh", "--print-version"], clone, StepTimeout).Succeeded()
            .StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();

        var clean = PrintVersion();
        File.AppendAllText(Path.Combine(clone, "scripts", "pack.sh"), "\n# a local change\n");
        var dirty = PrintVersion();

        Assert.AreEqual($"{_assemblyVersion}+{head}", clean);
        Assert.AreEqual($"{_assemblyVersion}+{head}.dirty", dirty);
    }

    private const int TestRows = 1000;

    /// <summary>
    /// The README's first example with a small budget: 1 epoch on the first 2,000 training images, scored on the first
    /// 1,000 test images (the README trains 3 epochs on all 60,000). Each replacement must match exactly once.
    /// </summary>
    internal static string ReadmeProgram(string example)
    {
        var program = example;
        foreach (var (from, to) in new[]
                 {
                     ("MnistSplit.Train)", "MnistSplit.Train, maxRows: 2000)"),
                     ("MnistSplit.Test)", $"MnistSplit.Test, maxRows: {TestRows})"),
                     ("Epochs = 3", "Epochs = 1"),
                 })
        {
            Assert.AreEqual(1, Regex.Matches(program, Regex.Escape(from)).Count, $"README.md's first C# example should contain '{from}' once:\n{example}");
            program = program.Replace(from, to, StringComparison.Ordinal);
        }
        return program;
    }

    // Runs a `dotnet ...` line from the README (a trailing # comment dropped) with extra arguments.
    private static void DotnetCommandLine(string dotnet, string line, string folder, IEnumerable<string> extra)
    {
        var words = line.Split('#')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual("dotnet", words[0], line);
        ExternalCommand.Run(dotnet, words.Skip(1).Concat(extra), folder, StepTimeout).Succeeded();
    }

    private static string Build(string dotnet, string app)
    {
        ExternalCommand.Run(dotnet, ["build", "-nologo", "-v", "quiet", "-clp:ErrorsOnly"], app, StepTimeout).Succeeded();
        return Path.Combine(app, "bin", "Debug", "net10.0", "App.dll");
    }

    private static string LocalFeedConfig() =>
        $"""
         <?xml version="1.0" encoding="utf-8"?>
         <configuration>
           <packageSources>
             <add key="cnnml-local" value="{_feed}" />
           </packageSources>
         </configuration>
         """;

    private static XDocument Nuspec(ZipArchive zip, string name)
    {
        using var stream = zip.GetEntry(name)!.Open();
        return XDocument.Load(stream);
    }

    private static void AssertLine(string[] lines, string name, string expectedStart)
    {
        var line = lines.SingleOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        Assert.IsNotNull(line, $"cnnml --version has no {name} line:\n{string.Join('\n', lines)}");
        StringAssert.StartsWith(line[name.Length..].TrimStart(), expectedStart, line);
    }

    private static string InformationalVersion(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

    private static bool IsInside(string path, string folder) =>
        Path.GetFullPath(path).StartsWith(Path.GetFullPath(folder).TrimEnd('/') + "/", StringComparison.Ordinal);
}
