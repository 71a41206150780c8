using System.Globalization;
using CnnMl.Data;
using Microsoft.ML;

namespace CnnMl.Tests.Support;

/// <summary>MNIST restricted to some digits, as a data view whose label has only those classes (keys in the given order).</summary>
internal static class MnistDigits
{
    /// <summary>The first <paramref name="count"/> images (all when null) of <paramref name="digits"/>, in file order.</summary>
    public static IDataView Subset(MnistDataset data, int[] digits, int? count = null)
    {
        var size = data.Rows * data.Columns;
        var rows = Enumerable.Range(0, data.Count).Where(i => digits.Contains(data.Labels[i])).Take(count ?? int.MaxValue).ToArray();
        var pixels = new byte[rows.Length * size];
        var labels = new byte[rows.Length];
        for (var r = 0; r < rows.Length; r++)
        {
            data.Pixels.AsSpan(rows[r] * size, size).CopyTo(pixels.AsSpan(r * size));
            labels[r] = (byte)Array.IndexOf(digits, data.Labels[rows[r]]);
        }
        return new LabeledImageDataView(pixels, labels, size, digits.Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray());
    }
}
