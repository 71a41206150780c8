using Microsoft.ML.Data;

namespace CnnMl.Data;

/// <summary>Copies one row's feature vector into a batch buffer.</summary>
internal static class FeatureVectors
{
    /// <summary>Writes <paramref name="vector"/> densely into <paramref name="target"/> (sparse slots become 0).</summary>
    /// <exception cref="InvalidOperationException">The row's vector has the wrong length.</exception>
    public static void CopyDense(in VBuffer<float> vector, Span<float> target, string column, long row)
    {
        if (vector.Length != target.Length)
            throw new InvalidOperationException($"Row {row} of column '{column}' has {vector.Length} values; expected {target.Length}.");
        if (vector.IsDense)
        {
            vector.GetValues().CopyTo(target);
            return;
        }
        target.Clear();
        var values = vector.GetValues();
        var indices = vector.GetIndices();
        for (var i = 0; i < values.Length; i++) target[indices[i]] = values[i];
    }
}
