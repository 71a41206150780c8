using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Steps;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Demo.Commands.Compare;

/// <summary>
/// The data every architecture of <c>cnnml compare</c> trains and is tested on, and the one shape they are all built for:
/// <c>train</c>'s data (<see cref="TrainAndTestData"/>: MNIST, resized to <c>--input</c> or not, or an image folder) with
/// its image-input chain fitted once and applied, so each network reads the same features.
/// </summary>
internal sealed record ComparisonData(IDataView Train, IDataView Test, string FeatureColumn, long TrainImages, long TestImages, ImageShape Shape,
    int Classes, IReadOnlyList<string> Description)
{
    /// <summary>The data <paramref name="settings"/> ask for, at <see cref="ImageDataSettings.SharedInput"/>.</summary>
    public static ComparisonData Load(MLContext ml, CompareSettings settings, CnnArchitecture first)
    {
        var (shape, _) = ImageDataSettings.SharedInput(settings, first);
        var data = TrainAndTestData.Load(ml, settings, shape);
        var loader = data.ImageLoader?.Fit(data.Train);
        var (decodedTrain, decodedTest) = (loader?.Transform(data.Train) ?? data.Train, loader?.Transform(data.Test) ?? data.Test);
        var input = data.Input?.Fit(decodedTrain);
        var train = input?.Transform(decodedTrain) ?? decodedTrain;
        var test = input?.Transform(decodedTest) ?? decodedTest;
        var classes = (int)((KeyDataViewType)data.Train.Schema["Label"].Type).Count;
        return new ComparisonData(train, test, data.FeatureColumn, data.Train.GetRowCount() ?? 0, data.Test.GetRowCount() ?? 0, data.Shape, classes,
            data.Description);
    }
}
