namespace CnnMl.Demo.Cli;

/// <summary>Where the console reads MNIST from, how it checks its output paths and how it writes its text files.</summary>
internal static class OutputFiles
{
    /// <summary>The MNIST folder: <paramref name="option"/> if given, else $CNNML_DATA, else data/mnist.</summary>
    public static string MnistDirectory(string? option) =>
        option ?? (Environment.GetEnvironmentVariable("CNNML_DATA") is { Length: > 0 } env ? env : Path.Combine("data", "mnist"));

    /// <summary>
    /// Checks, before any work starts, that <paramref name="path"/> (given through <paramref name="option"/>) can be
    /// written: it is not a folder, its folder exists, and a uniquely named file can be created and deleted there.
    /// Nothing is left behind. Throws <see cref="IOException"/> naming the option, the path and the fix.
    /// </summary>
    public static void EnsureWritable(string option, string? path)
    {
        if (path is null) return;
        if (string.IsNullOrWhiteSpace(path))
            throw new IOException($"{option} needs a file path (got an empty value).");
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new IOException($"{option} {path}: '{full}' is a folder; give a file path such as {Path.Combine(path, "model.zip")}.");
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
            throw new IOException($"{option} {path}: the folder '{folder}' does not exist; create it first (mkdir -p {folder}).");

        // Permissions, read-only mounts, ACLs and quotas all show up here: only a real write tells. (Running as root
        // ignores permission bits, so checking them would not be enough anyway.)
        var probe = Path.Combine(folder, $".cnnml-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} {path}: cannot write in '{folder}' ({e.Message.TrimEnd('.')}); choose a writable folder.", e);
        }
    }

    /// <summary>Checks that an input file given through <paramref name="option"/> exists.</summary>
    public static string RequireFile(string option, string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new FileNotFoundException($"{option} {path}: no such file ('{full}').", full);
        return full;
    }

    /// <summary>
    /// Writes <paramref name="text"/> to a uniquely named temporary file in the target's folder and renames it into
    /// place, so a crash never leaves a half-written file and two runs never share a temporary file. Returns the full path.
    /// </summary>
    public static string WriteAtomically(string path, string text) => WriteAtomically(path, stream =>
    {
        using var writer = new StreamWriter(stream, leaveOpen: true);
        writer.Write(text);
    });

    /// <summary>Writes the bytes produced by <paramref name="write"/> atomically (see <see cref="WriteAtomically(string, string)"/>).</summary>
    public static string WriteAtomically(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
            return full;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
