namespace CnnMl.Persistence;

/// <summary>
/// Replaces a file all at once: the content goes to a temporary file with a unique name in the same folder,
/// is flushed to disk, and is renamed over the target. A failure at any point deletes the temporary file
/// and leaves an existing target untouched; readers never see a half-written file.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="write">Writes the whole content to a readable, seekable stream (positioned at 0).</param>
    /// <param name="interpose">Tests only: wraps the file stream (e.g. to fail after N bytes).</param>
    /// <exception cref="DirectoryNotFoundException">The target's folder does not exist.</exception>
    public static void Write(string path, Action<Stream> write, Func<Stream, Stream>? interpose = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        var target = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Cannot write '{target}': the folder '{folder}' does not exist. Create it first.");

        // Same folder, so the rename stays on one file system (and is atomic there); dot-prefixed and unique,
        // so concurrent writers never share a temporary file.
        var temporary = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                var stream = interpose?.Invoke(file) ?? file;
                write(stream);
                stream.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original failure matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
