using CnnMl.Persistence;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CnnMl.Interop;

/// <summary>
/// Reads and writes a network's state dict (name → tensor) as a PyTorch <c>.pt</c>/<c>.pth</c> file or as
/// <c>.safetensors</c>. Reading looks at the bytes (a zip archive is PyTorch's format, a JSON header is
/// safetensors); writing goes by the extension.
/// </summary>
internal static class StateDictFile
{
    private static readonly string[] PyTorchExtensions = [".pt", ".pth", ".bin"];
    private const string SafetensorsExtension = ".safetensors";

    /// <summary>The format a file will be written in, from its extension.</summary>
    /// <exception cref="ArgumentException">Any other extension; the message lists the accepted ones.</exception>
    public static WeightsFileFormat FormatFor(string path)
    {
        var extension = Path.GetExtension(path);
        if (extension.Equals(SafetensorsExtension, StringComparison.OrdinalIgnoreCase)) return WeightsFileFormat.Safetensors;
        if (PyTorchExtensions.Any(e => e.Equals(extension, StringComparison.OrdinalIgnoreCase))) return WeightsFileFormat.PyTorch;
        throw new ArgumentException(
            $"Cannot tell the weights format of '{path}' from its extension '{extension}'. Use .pt or .pth (PyTorch's torch.save " +
            $"format, loaded in Python with model.load_state_dict(torch.load(path))) or .safetensors.", nameof(path));
    }

    /// <summary>Every tensor of the file by name, in the file's order, on the CPU.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is neither format, or holds more than a state dict.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Weights file '{Path.GetFullPath(path)}' does not exist.", path);
        var format = Sniff(path);
        if (format == WeightsFileFormat.Safetensors) return ReadSafetensors(path);
        try
        {
            using var stream = File.OpenRead(path);
            var table = PyTorchUnpickler.UnpickleStateDict(stream);
            var result = new Dictionary<string, Tensor>(table.Count);
            foreach (var key in table.Keys)
            {
                if (key is not string name || table[key] is not Tensor tensor)
                    throw new InvalidDataException($"'{path}' holds an entry '{key}' of type {table[key]?.GetType().Name ?? "null"}; a state dict maps names to tensors.");
                result.Add(name, tensor);
            }
            return result;
        }
        catch (Exception ex) when (ex is not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException(
                $"Cannot read '{path}' as a PyTorch state dict: {ex.Message} " +
                "Save it in Python with torch.save(model.state_dict(), path) (not the whole model).", ex);
        }
    }

    /// <summary>
    /// Writes <paramref name="entries"/> in the format the extension of <paramref name="path"/> names, atomically
    /// (<see cref="AtomicFile"/>: a temporary file beside it, flushed, then renamed over it; the folder must exist).
    /// </summary>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> entries)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var format = FormatFor(path);
        AtomicFile.Write(path, stream =>
        {
            if (format == WeightsFileFormat.Safetensors)
            {
                SafetensorsWriter.Write(stream, entries.Select(e => KeyValuePair.Create(e.Name, e.Tensor)).ToList());
                return;
            }
            using var scope = NewDisposeScope();
            var dictionary = new Dictionary<string, Tensor>(entries.Count);
            foreach (var (name, tensor) in entries) dictionary.Add(name, tensor.detach().cpu().contiguous());
            PyTorchPickler.PickleStateDict(stream, dictionary, leaveOpen: true);
        });
    }

    /// <summary>The checkpoint's validating safetensors reader, into tensors of the file's own dtypes and shapes.</summary>
    private static Dictionary<string, Tensor> ReadSafetensors(string path)
    {
        using var stream = File.OpenRead(path);
        var header = SafetensorsReader.ReadHeader(stream, stream.Length, path);
        var tensors = new Dictionary<string, Tensor>(header.Count, StringComparer.Ordinal);
        try
        {
            foreach (var info in header) tensors.Add(info.Name, empty(info.Shape, info.DType));
            SafetensorsReader.ReadInto(stream, header, tensors, path);
            return tensors;
        }
        catch
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            throw;
        }
    }

    private static WeightsFileFormat Sniff(string path)
    {
        Span<byte> head = stackalloc byte[16];
        long length;
        int read;
        using (var stream = File.OpenRead(path))
        {
            length = stream.Length;
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        if (read >= 2 && head[0] == (byte)'P' && head[1] == (byte)'K') return WeightsFileFormat.PyTorch;
        if (LooksLikeSafetensors(head[..read], length)) return WeightsFileFormat.Safetensors;
        throw new InvalidDataException(
            $"'{path}' is neither a PyTorch state dict (a zip archive written by torch.save) nor a safetensors file. " +
            "PyTorch files from before 1.6 (the legacy, non-zip format) must be re-saved with a newer torch.save.");
    }

    /// <summary>A plausible 8-byte little-endian header length followed by a JSON object (the reader checks the rest).</summary>
    private static bool LooksLikeSafetensors(ReadOnlySpan<byte> head, long fileLength)
    {
        if (head.Length < 9) return false;
        var headerLength = BitConverter.ToUInt64(head[..8]);
        return headerLength >= 2 && headerLength <= (ulong)(fileLength - 8) && head[8] == (byte)'{';
    }
}
