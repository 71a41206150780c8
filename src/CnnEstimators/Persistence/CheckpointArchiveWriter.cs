using System.IO.Compression;
using static TorchSharp.torch;

namespace CnnMl.Persistence;

/// <summary>
/// Writes a checkpoint archive: a zip of JSON and safetensors entries with fixed timestamps (the same content
/// gives the same bytes), sealed by <see cref="CheckpointSeal"/> when finished.
/// </summary>
internal sealed class CheckpointArchiveWriter
{
    /// <summary>Timestamp of every entry: the zip epoch, so files do not change with the clock.</summary>
    private static readonly DateTimeOffset EntryTime = new(new DateTime(1980, 1, 1, 0, 0, 0, DateTimeKind.Unspecified));

    private readonly Stream _stream;
    private readonly ZipArchive _archive;

    /// <summary>Starts an archive on <paramref name="stream"/> (readable, writable, seekable; left open).</summary>
    public CheckpointArchiveWriter(Stream stream)
    {
        _stream = stream;
        _archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true) { Comment = CheckpointSeal.Placeholder };
    }

    /// <summary>Adds a JSON entry (compressed).</summary>
    public void AddJson<T>(string name, T document)
    {
        using var entry = Open(name, CompressionLevel.Optimal);
        entry.Write(CheckpointJson.Serialize(document));
    }

    /// <summary>Adds a safetensors entry (stored: float data barely compresses, and storing keeps saving fast).</summary>
    public void AddTensors(string name, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var entry = Open(name, CompressionLevel.NoCompression);
        SafetensorsWriter.Write(entry, tensors, metadata);
    }

    /// <summary>Writes the central directory and seals the archive.</summary>
    public void Finish()
    {
        _archive.Dispose();
        _stream.Flush();
        CheckpointSeal.Seal(_stream);
    }

    private Stream Open(string name, CompressionLevel level)
    {
        var entry = _archive.CreateEntry(name, level);
        entry.LastWriteTime = EntryTime;
        return entry.Open();
    }
}
