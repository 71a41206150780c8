namespace CnnMl.Persistence;

/// <summary>
/// Writes a file so that its path only ever holds the old content or the complete new content: the bytes go
/// to a uniquely named temporary file in the same folder, are flushed to disk, and the temporary file is then
/// renamed over the target (an atomic replace on one file system). On any failure the temporary file is
/// deleted and an existing target is left untouched. A process killed while writing (SIGKILL) cannot delete its
/// temporary file: the next write into the same folder deletes the temporary files whose writer is gone
/// (<see cref="TemporaryFileWriter"/>), never one a live writer is still using.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Prefix of the temporary files, so that a crashed process's leftovers are recognizable.</summary>
    public const string TemporaryPrefix = ".cnnml-";

    /// <summary>Suffix of the temporary files.</summary>
    public const string TemporarySuffix = ".tmp";

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>. <paramref name="beforeCommit"/> runs on the
    /// complete temporary file, after the flush and before the rename (a place to post-process or to check it).
    /// </summary>
    /// <returns>The full path written.</returns>
    public static string Write(string path, Action<Stream> write, Action<string>? beforeCommit = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        var target = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"'{path}' names no file (it is a root folder).", nameof(path));
        if (Directory.Exists(target))
            throw new IOException($"'{target}' is a folder; give the path of a file to write.");
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The folder '{folder}' for '{Path.GetFileName(target)}' does not exist; create it first.");

        DeleteLeftoversOfDeadWriters(folder);
        // Same folder as the target: a rename never crosses file systems, so it replaces the target atomically.
        var temporary = Path.Combine(folder,
            $"{TemporaryPrefix}{Path.GetFileName(target)}.{TemporaryFileWriter.CurrentTag}.{Path.GetRandomFileName()}{TemporarySuffix}");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            beforeCommit?.Invoke(temporary);
            File.Move(temporary, target, overwrite: true);
            return target;
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Temporary files of <see cref="Write"/> for <paramref name="path"/> left in its folder (by a killed process, say).</summary>
    public static string[] LeftoversFor(string path)
    {
        var target = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(target)!;
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder, $"{TemporaryPrefix}{Path.GetFileName(target)}.*{TemporarySuffix}")
            : [];
    }

    /// <summary>Deletes the temporary files in <paramref name="folder"/> whose writer process is gone.</summary>
    internal static void DeleteLeftoversOfDeadWriters(string folder)
    {
        string[] candidates;
        try
        {
            candidates = Directory.GetFiles(folder, $"{TemporaryPrefix}*{TemporarySuffix}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // the write itself will report a folder it cannot use
        }
        foreach (var file in candidates.Where(file => TemporaryFileWriter.IsStale(Path.GetFileName(file))))
            TryDelete(file);
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
            // The original failure is the one to report; a stray temporary file is recognizable by its prefix.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
