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
        try
        {
            if (format == WeightsFileFormat.Safetensors) return SafetensorsFile.Read(path);
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
                $"Cannot read '{path}' as a {(format == WeightsFileFormat.Safetensors ? "safetensors" : "PyTorch")} state dict: {ex.Message} " +
                "Save it in Python with torch.save(model.state_dict(), path) (not the whole model), or with safetensors.torch.save_file.", ex);
        }
    }

    /// <summary>
    /// Writes <paramref name="entries"/> in the format the extension of <paramref name="path"/> names, atomically
    /// (a temporary file beside it, then a rename). Tensors are copied to the CPU for writing.
    /// </summary>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> entries)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var format = FormatFor(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        using (var scope = NewDisposeScope())
        {
            var onCpu = entries.Select(e => (e.Name, e.Tensor.detach().cpu().contiguous())).ToList();
            using (var stream = File.Create(temporary))
            {
                if (format == WeightsFileFormat.Safetensors)
                {
                    SafetensorsFile.Write(stream, onCpu);
                }
                else
                {
                    var dictionary = new Dictionary<string, Tensor>(onCpu.Count);
                    foreach (var (name, tensor) in onCpu) dictionary.Add(name, tensor);
                    PyTorchPickler.PickleStateDict(stream, dictionary, leaveOpen: true);
                }
            }
        }
        File.Move(temporary, full, overwrite: true);
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
        if (SafetensorsFile.LooksLikeSafetensors(head[..read], length)) return WeightsFileFormat.Safetensors;
        throw new InvalidDataException(
            $"'{path}' is neither a PyTorch state dict (a zip archive written by torch.save) nor a safetensors file. " +
            "PyTorch files from before 1.6 (the legacy, non-zip format) must be re-saved with a newer torch.save.");
    }
}
