using CnnMl.Interpretation;
using OxyPlot;

namespace CnnMl.Demo.Plots;

/// <summary>
/// fastai's "top losses": the test images with the highest loss (−ln of the probability given the true class), worst
/// first, each captioned with its true label and that probability, the predicted label and its probability, and the loss.
/// </summary>
internal static class TopLossesPlot
{
    /// <summary>The picture's file name.</summary>
    public const string FileName = "top-losses.png";

    /// <summary>Images shown: two rows of <see cref="PerRow"/>.</summary>
    public const int MaxImages = 16;

    /// <summary>Images per grid row.</summary>
    public const int PerRow = 8;

    /// <summary>Lines of caption under each image.</summary>
    public const int CaptionLines = 3;

    /// <summary>
    /// Writes the grid of <paramref name="interpretation"/>'s top losses into <paramref name="folder"/>;
    /// <paramref name="images"/> gives the features (C×H×W of <paramref name="shape"/>) of the rows asked for. Returns
    /// the examples drawn, worst first.
    /// </summary>
    public static IReadOnlyList<TopLoss> Write(PlotFolder folder, ClassificationInterpretation interpretation, Func<IReadOnlyCollection<long>, IReadOnlyDictionary<long, float[]>> images,
        ImageShape shape, string title)
    {
        var top = interpretation.TopLosses((int)Math.Min(MaxImages, interpretation.ExampleCount));
        var features = images(top.Select(t => t.Row).ToArray());
        var (rows, columns) = ((int)shape.Spatial[0], (int)shape.Spatial[1]);
        var tiles = top.Select(t => new GridTile(GrayImage.ToMatrix(GrayImage.FromFeatures(features[t.Row], shape), rows, columns), Caption(t))).ToList();
        var heading = $"Top losses: the {top.Count} of {interpretation.ExampleCount:N0} test images with the highest loss, worst first · {title}";
        // At least 112 pixels a side, so that three caption lines fit under each image.
        var scale = Math.Max(1, Math.Ceiling(112.0 / Math.Max(rows, columns)));
        var (plot, width, height) = ImageGrid.Create(heading, tiles, PerRow, scale, OxyPalettes.Gray(256), 0, 1, minimumWidth: 800, captionLines: CaptionLines);
        folder.Save(plot, FileName, width, height);
        return top;
    }

    /// <summary>"true 4: p 0.02" / "pred 9: p 0.93" / "loss 3.91".</summary>
    public static string Caption(TopLoss loss) => FormattableString.Invariant(
        $"true {loss.ActualLabel}: p {loss.ActualProbability:0.00}\npred {loss.PredictedLabel}: p {loss.PredictedProbability:0.00}\nloss {loss.Loss:0.00}");
}
