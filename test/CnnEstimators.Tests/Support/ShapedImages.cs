using CnnMl.Architectures;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Support;

/// <summary>
/// An <see cref="IDataView"/> of float images of any shape (channels first) and a key label of any class count (the byte-backed test
/// sets stop at 256 classes and [0, 1] pixels; PyTorch fixtures need 1,000 classes and normalized inputs).
/// </summary>
internal static class ShapedImages
{
    /// <summary>Rows of <paramref name="images"/> (each shape.ElementCount values) with 0-based <paramref name="classIndices"/>.</summary>
    public static IDataView Create(MLContext ml, IReadOnlyList<float[]> images, IReadOnlyList<int> classIndices, ImageShape shape, int classes)
    {
        var rows = images.Select((image, i) => new Row { Image = image, Label = (uint)classIndices[i] + 1 }).ToArray();
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, (int)shape.ElementCount);
        schema[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), classes);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary><paramref name="count"/> images of uniform noise in [0, 1) with classes 0, 1, 2, … in turn.</summary>
    public static IDataView Noise(MLContext ml, int count, ImageShape shape, int classes, int seed)
    {
        var random = new Random(seed);
        var images = Enumerable.Range(0, count)
            .Select(_ => Enumerable.Range(0, (int)shape.ElementCount).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        return Create(ml, images, Enumerable.Range(0, count).Select(i => i % classes).ToArray(), shape, classes);
    }

    /// <summary>The row type; column types are set per call.</summary>
    public sealed class Row
    {
        public uint Label { get; set; }

        public float[] Image { get; set; } = [];
    }
}
