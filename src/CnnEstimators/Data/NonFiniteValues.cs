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
}
