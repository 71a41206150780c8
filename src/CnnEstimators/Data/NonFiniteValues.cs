using System.Globalization;
using System.Numerics;

namespace CnnMl.Data;

/// <summary>Finds NaN and ±Infinity in feature values.</summary>
internal static class NonFiniteValues
{
    /// <summary>The index of the first NaN or infinite value, or -1 when all are finite.</summary>
    public static int IndexOfFirst(ReadOnlySpan<float> values)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // x − x is 0 for every finite x and NaN for NaN and ±Infinity.
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values[i..]);
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero)) break;
            }
        }
        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) return i;
        }
        return -1;
    }

    /// <summary>The error for row <paramref name="row"/> of the <paramref name="role"/> data whose value <paramref name="index"/> is <paramref name="value"/>.</summary>
    public static InvalidOperationException RowError(long row, string role, string column, float value, int index, int size) => new(
        $"Row {row} of the {role} data holds {value.ToString(CultureInfo.InvariantCulture)} in image column '{column}' (value {index} of {size}); " +
        "a network cannot learn from NaN or infinite pixels. Fix or drop such rows (mlContext.Data.FilterRowsByMissingValues drops rows with NaN), " +
        "or set CnnTrainerOptions.AllowNonFiniteFeatures = true to skip them.");
}
