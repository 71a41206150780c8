using System.IO.Compression;
using CnnMl.Persistence;

namespace CnnMl.Tests.Support;

/// <summary>
/// Takes checkpoint files apart and puts (altered) entries back together, sealed like the writer seals them,
/// so tests can build well-formed archives with defects inside.
/// </summary>
internal static class CheckpointArchives
{
    /// <summary>The entries of a checkpoint, in archive order.</summary>
    public static List<(string Name, byte[] Content)> Entries(byte[] checkpoint)
    {
        using var archive = new ZipArchive(new MemoryStream(checkpoint), ZipArchiveMode.Read);
        return archive.Entries.Select(e =>
        {
            using var stream = e.Open();
            var content = new MemoryStream();
            stream.CopyTo(content);
            return (e.FullName, content.ToArray());
        }).ToList();
    }

    /// <summary>A sealed archive of <paramref name="entries"/> (names may repeat).</summary>
    public static byte[] Pack(IEnumerable<(string Name, byte[] Content)> entries)
    {
        var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true) { Comment = CheckpointSeal.Placeholder })
        {
            foreach (var (name, content) in entries)
            {
                var level = name.EndsWith(".json", StringComparison.Ordinal) ? CompressionLevel.Optimal : CompressionLevel.NoCompression;
                using var entry = archive.CreateEntry(name, level).Open();
                entry.Write(content);
            }
        }
        CheckpointSeal.Seal(stream);
        return stream.ToArray();
    }

    /// <summary>Recomputes the seal of a (patched) checkpoint whose trailer is intact.</summary>
    public static byte[] Reseal(byte[] checkpoint)
    {
        var stream = new MemoryStream();
        stream.Write(checkpoint);
        stream.Position = checkpoint.Length - CheckpointSeal.CommentLength;
        stream.Write(System.Text.Encoding.ASCII.GetBytes(CheckpointSeal.Placeholder));
        CheckpointSeal.Seal(stream);
        return stream.ToArray();
    }
}
