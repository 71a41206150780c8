using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Data;

/// <summary>Reads a key column of any raw width (byte, ushort, uint, ulong) as a ulong key.</summary>
internal static class KeyReader
{
    /// <summary>A function that returns the current row's key (0 = missing).</summary>
    public static Func<ulong> Create(DataViewRow row, DataViewSchema.Column column)
    {
        var raw = column.Type.RawType;
        if (raw == typeof(uint)) { var g = row.GetGetter<uint>(column); uint v = 0; return () => { g(ref v); return v; }; }
        if (raw == typeof(byte)) { var g = row.GetGetter<byte>(column); byte v = 0; return () => { g(ref v); return v; }; }
        if (raw == typeof(ushort)) { var g = row.GetGetter<ushort>(column); ushort v = 0; return () => { g(ref v); return v; }; }
        if (raw == typeof(ulong)) { var g = row.GetGetter<ulong>(column); ulong v = 0; return () => { g(ref v); return v; }; }
        throw new InvalidOperationException($"Column '{column.Name}' has key type {column.Type} with unsupported raw type {raw.Name}.");
    }
}
