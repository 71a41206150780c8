using System.Globalization;
using Microsoft.ML;

namespace CnnMl.Data;

/// <summary>MNIST loading for <see cref="MLContext.Data"/>.</summary>
public static class MnistCatalog
{
    /// <summary>
    /// Loads an MNIST split as an <see cref="IDataView"/> with two columns: <c>Label</c>, a key type
    /// of 10 values whose key values are the text "0"…"9" (so <c>MapKeyToValue</c> gives the digit as a
    /// string), and <c>Image</c>, a <c>vector&lt;float&gt;</c> of rows·columns (784) pixels scaled to [0, 1].
    /// </summary>
    /// <param name="catalog">The data catalog (<c>mlContext.Data</c>).</param>
    /// <param name="directory">Folder holding the four idx files, raw or .gz (<c>cnnml data mnist</c> fetches them into data/mnist).</param>
    /// <param name="split">Training (60,000) or test (10,000) images.</param>
    /// <param name="maxRows">Keep only the first rows, for quick experiments; null keeps all.</param>
    public static IDataView LoadMnist(this DataOperationsCatalog catalog, string directory, MnistSplit split, int? maxRows = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var dataset = MnistDataset.Load(directory, split, maxRows);
        return dataset.ToDataView();
    }

    /// <summary>The digit class names "0"…"9", in key order.</summary>
    public static IReadOnlyList<string> DigitNames { get; } =
        Enumerable.Range(0, MnistDataset.ClassCount).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Wraps a loaded split as an <see cref="IDataView"/> (see <see cref="LoadMnist"/>).</summary>
    public static IDataView ToDataView(this MnistDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new LabeledImageDataView(dataset.Pixels, dataset.Labels, dataset.Rows * dataset.Columns, DigitNames);
    }
}
