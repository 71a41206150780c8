using Microsoft.ML;

namespace CnnMl.Demo.Models;

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
    /// <summary>The fitted <see cref="TrainAndTestData.ImageLoader"/> (image paths → decoded images), or null.</summary>
    public ITransformer? Loader { get; init; }

    /// <summary>The rows of <paramref name="rows"/> as the saved model reads them (an image folder's paths decoded by <see cref="Loader"/>).</summary>
    public IDataView Decoded(IDataView rows) => Loader?.Transform(rows) ?? rows;

    /// <summary>The rows of <paramref name="rows"/> as the network reads them (decoded, then through <see cref="Input"/> when there is one).</summary>
    public IDataView ForNetwork(IDataView rows) => Input?.Transform(Decoded(rows)) ?? Decoded(rows);
}
