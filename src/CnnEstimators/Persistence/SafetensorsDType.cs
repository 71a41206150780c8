using static TorchSharp.torch;

namespace CnnMl.Persistence;

/// <summary>The safetensors dtype names CnnMl reads and writes, with their torch types and element sizes.</summary>
internal static class SafetensorsDType
{
    private static readonly (string Name, ScalarType Type, int Size)[] Table =
    [
        ("F64", ScalarType.Float64, 8),
        ("F32", ScalarType.Float32, 4),
        ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2),
        ("I64", ScalarType.Int64, 8),
        ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2),
        ("I8", ScalarType.Int8, 1),
        ("U8", ScalarType.Byte, 1),
        ("BOOL", ScalarType.Bool, 1),
    ];

    /// <summary>All names this reader accepts.</summary>
    public static IEnumerable<string> Names => Table.Select(t => t.Name);

    /// <summary>The safetensors name of <paramref name="type"/>.</summary>
    /// <exception cref="NotSupportedException">A torch type safetensors has no name for here (complex, quantised…).</exception>
    public static string NameOf(ScalarType type)
    {
        foreach (var entry in Table)
        {
            if (entry.Type == type) return entry.Name;
        }
        throw new NotSupportedException($"Tensors of type {type} cannot be written to a checkpoint; supported: {string.Join(", ", Table.Select(t => t.Type))}.");
    }

    /// <summary>The torch type and element size of a safetensors dtype name, if known.</summary>
    public static bool TryParse(string name, out ScalarType type, out int size)
    {
        foreach (var entry in Table)
        {
            if (entry.Name == name)
            {
                (type, size) = (entry.Type, entry.Size);
                return true;
            }
        }
        (type, size) = (default, 0);
        return false;
    }
}
