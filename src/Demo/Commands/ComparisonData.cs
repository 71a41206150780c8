using CnnMl.Data;
using Microsoft.ML;

namespace CnnMl.Demo.Commands;

/// <summary>
/// The data every architecture of <c>cnnml compare</c> trains and is tested on, and the shape it is built for.
/// MNIST for now; an image folder (<c>--images</c>) or MNIST resized to another <c>--input</c> comes in here, as a
/// second way to build this record, and the comparison itself does not change.
/// </summary>
internal sealed record ComparisonData(IDataView Train, IDataView Test, long TrainImages, long TestImages, ImageShape Shape,
    IReadOnlyList<string> ClassNames, string Description)
{
    /// <summary>MNIST's own shape: one channel, 28×28.</summary>
    public static readonly ImageShape MnistShape = new(1, 28, 28);

    /// <summary>MNIST from <see cref="CompareSettings.DataDirectory"/>, limited as the settings ask.</summary>
    public static ComparisonData LoadMnist(MLContext ml, CompareSettings settings)
    {
        if (settings.InputShape is { } input && !input.Equals(MnistShape))
            throw new NotSupportedException(
                $"--input {input}: compare reads MNIST at its own shape, {MnistShape}, for now; MNIST resized to other shapes comes with " +
                $"the console's image pipeline (train --input). Leave --input out or give {MnistShape}.");
        var train = ml.Data.LoadMnist(settings.DataDirectory, MnistSplit.Train, settings.TrainLimit);
        var test = ml.Data.LoadMnist(settings.DataDirectory, MnistSplit.Test, settings.TestLimit);
        return new ComparisonData(train, test, train.GetRowCount() ?? 0, test.GetRowCount() ?? 0, MnistShape, MnistCatalog.DigitNames,
            $"MNIST from {Path.GetFullPath(settings.DataDirectory)}");
    }
}
