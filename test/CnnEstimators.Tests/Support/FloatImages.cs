using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Support;

/// <summary>
/// <see cref="SyntheticImages"/> as plain float arrays that a test can edit (e.g. put a NaN in one pixel),
/// and back into an <see cref="IDataView"/> with a Key&lt;UInt32, 0-3&gt; label and a vector&lt;float, 784&gt; image.
/// </summary>
internal static class FloatImages
{
    public const int Classes = 4;

    public sealed class Row
    {
        /// <summary>The class index 0..3: LoadFromEnumerable stores a [KeyType] value v as the key v + 1.</summary>
        [KeyType(Classes)]
        public uint Label { get; set; }

        [VectorType(784)]
        public float[] Image { get; set; } = [];
    }

    public static Row[] Create(int count, int seed)
    {
        var data = SyntheticImages.Create(count, classes: Classes, seed: seed);
        var labels = data.GetColumn<uint>("Label").ToArray();
        var images = data.GetColumn<VBuffer<float>>("Image").Select(v => v.DenseValues().ToArray()).ToArray();
        return labels.Zip(images, (label, image) => new Row { Label = label - 1, Image = image }).ToArray();
    }

    public static IDataView ToDataView(MLContext ml, IEnumerable<Row> rows) => ml.Data.LoadFromEnumerable(rows.ToArray());
}
