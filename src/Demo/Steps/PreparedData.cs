using CnnMl.Architectures;
using CnnMl.Demo.Cli;
using Microsoft.ML;
using Spectre.Console;

namespace CnnMl.Demo.Steps;

/// <summary>
/// A run's data ready for the network: what <see cref="TrainAndTestData"/> loaded, its image-input chain fitted on the
/// training rows (saved in the zip before the network), and the rows the network trains and is tested on.
/// </summary>
/// <param name="Data">The rows as loaded: what the saved model reads.</param>
/// <param name="Input">The fitted image-input chain, or null when the rows hold the network's input already.</param>
/// <param name="Train">The training rows after <paramref name="Input"/>.</param>
/// <param name="Test">The test rows after <paramref name="Input"/>.</param>
/// <param name="TrainImages">Training examples.</param>
/// <param name="TestImages">Test examples.</param>
internal sealed record PreparedData(TrainAndTestData Data, ITransformer? Input, IDataView Train, IDataView Test, long TrainImages, long TestImages)
{
    /// <summary>
    /// Loads the data the settings name (MNIST, MNIST resized to <c>--input</c>, MNIST clips for <c>--frames</c>, or an
    /// image folder), says where it came from, and fits the image-input chain that is saved before the network.
    /// </summary>
    public static PreparedData Load(MLContext ml, IDataOptions settings, CnnArchitecture architecture)
    {
        var data = TrainAndTestData.Load(ml, settings, architecture);
        foreach (var line in data.Description) AnsiConsole.WriteLine(line);
        // The image-input chain (resize, channels, pixel / 255) is fitted once and saved with the network; the network
        // trains and is tested on its output.
        // An image folder's paths are decoded first (LoadImages, not saved: the zip reads the decoded image).
        var loader = data.ImageLoader?.Fit(data.Train);
        var (train, test) = (loader?.Transform(data.Train) ?? data.Train, loader?.Transform(data.Test) ?? data.Test);
        var input = data.Input?.Fit(train);
        return new PreparedData(data, input, input?.Transform(train) ?? train, input?.Transform(test) ?? test,
            data.Train.GetRowCount() ?? 0, data.Test.GetRowCount() ?? 0) { Loader = loader };
    }

    /// <summary>The fitted <see cref="TrainAndTestData.ImageLoader"/> (image paths → decoded images), or null.</summary>
    public ITransformer? Loader { get; init; }

    /// <summary>The rows of <paramref name="rows"/> as the saved model reads them (an image folder's paths decoded by <see cref="Loader"/>).</summary>
    public IDataView Decoded(IDataView rows) => Loader?.Transform(rows) ?? rows;

    /// <summary>The rows of <paramref name="rows"/> as the network reads them (decoded, then through <see cref="Input"/> when there is one).</summary>
    public IDataView ForNetwork(IDataView rows) => Input?.Transform(Decoded(rows)) ?? Decoded(rows);
}
