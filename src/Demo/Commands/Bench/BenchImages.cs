using CnnMl.Data;
using Microsoft.ML;

namespace CnnMl.Demo.Commands.Bench;

/// <summary>
/// MNIST images prepared once for every side of a benchmark: the float pixels (byte / 255, as the estimator's data
/// view gives them) and class indices for the raw TorchSharp side, and the same split as an <see cref="IDataView"/>
/// for the ML.NET side.
/// </summary>
internal sealed class BenchImages
{
    private BenchImages(MnistDataset dataset)
    {
        Dataset = dataset;
        Shape = new ImageShape(1, dataset.Rows, dataset.Columns);
        Features = dataset.Pixels.Select(p => p / 255f).ToArray();
        Labels = dataset.Labels.Select(l => (long)l).ToArray();
        View = dataset.ToDataView();
    }

    /// <summary>The split as loaded.</summary>
    public MnistDataset Dataset { get; }

    /// <summary>1 × rows × columns.</summary>
    public ImageShape Shape { get; }

    /// <summary>Count × 784 floats in [0, 1].</summary>
    public float[] Features { get; }

    /// <summary>Digit of each image.</summary>
    public long[] Labels { get; }

    /// <summary>The same images as ML.NET data (Label key, Image vector).</summary>
    public IDataView View { get; }

    /// <summary>Images in this set.</summary>
    public int Count => Dataset.Count;

    /// <summary>Values per image.</summary>
    public int FeatureSize => (int)Shape.ElementCount;

    /// <summary>The first <paramref name="count"/> images of <paramref name="split"/>.</summary>
    public static BenchImages Load(string directory, MnistSplit split, int count) => new(MnistDataset.Load(directory, split, count));
}
