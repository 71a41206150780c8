using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CnnMl.Persistence;

/// <summary>
/// safetensors files (an 8-byte little-endian header length, a JSON header of dtype, shape and byte offsets per
/// tensor, then the raw bytes; no code, unlike pickle) through TorchSharp.PyBridge's reader and writer.
/// </summary>
internal static class SafetensorsFile
{
    /// <summary>The 8-byte header length plus at least "{}".</summary>
    private const int MinimumLength = 10;

    /// <summary>Every tensor of the file, in the file's order, on the CPU.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Safetensors.LoadStateDict(stream);
    }

    /// <summary>Writes <paramref name="entries"/> in the given order (the header lists them in that order too).</summary>
    /// <remarks>The stream is created (truncating any old file) here rather than by PyBridge's path overload.</remarks>
    public static void Write(Stream stream, IReadOnlyList<(string Name, Tensor Tensor)> entries)
    {
        var ordered = new Dictionary<string, Tensor>(entries.Count);
        foreach (var (name, tensor) in entries) ordered.Add(name, tensor);
        Safetensors.SaveStateDict(stream, ordered, leaveOpen: true);
    }

    /// <summary>
    /// True when the first bytes look like safetensors: a plausible header length followed by a JSON object.
    /// (A PyTorch <c>torch.save</c> file is a zip archive and starts with "PK".)
    /// </summary>
    public static bool LooksLikeSafetensors(ReadOnlySpan<byte> head, long fileLength)
    {
        if (head.Length < 9 || fileLength < MinimumLength) return false;
        var headerLength = BitConverter.ToUInt64(head[..8]);
        return headerLength >= 2 && headerLength <= (ulong)(fileLength - 8) && head[8] == (byte)'{';
    }
}
