using Microsoft.ML.Data;
using Spectre.Console;

namespace CnnMl.Demo.Plots;

/// <summary>
/// The pictures of one trained or saved classifier, for <c>train --plots</c> and <c>evaluate --plots</c>: training
/// curves (when the training reports are at hand), the confusion-matrix heat map, the misclassified test images and
/// the first convolution's kernels.
/// </summary>
internal static class ClassificationPictures
{
    /// <summary>
    /// Writes every picture that the given inputs allow into <paramref name="folder"/>, and says which could not be drawn.
    /// <paramref name="tested"/> holds each test image's true and predicted class name, in order, and its features
    /// (C×H×W of the shape); null when the caller has no pictures of them (it says why).
    /// </summary>
    public static void Write(PlotFolder folder, string title, TrainingSummary? training, MulticlassClassificationMetrics metrics,
        IReadOnlyList<string> classNames, TestedImages? tested, ConvolutionWeights? firstConvolution)
    {
        if (training is not null) TrainingCurvesPlot.Write(folder, training, title);
        else AnsiConsole.MarkupLine("[grey]No training curves: a saved model zip keeps no training reports (train --plots draws them).[/]");

        ConfusionMatrixPlot.Write(folder, metrics.ConfusionMatrix, classNames, title);

        if (tested is not null)
        {
            var total = tested.Truth.Where((t, i) => t != tested.Predicted[i]).Count();
            var first = MisclassifiedImagesPlot.Select(tested.Images, tested.Shape, tested.Truth, tested.Predicted);
            if (MisclassifiedImagesPlot.Write(folder, first, tested.Truth.Count, total, title) is null)
                AnsiConsole.MarkupLine("[grey]No misclassified test image to draw.[/]");
        }

        if (firstConvolution is not null) FirstConvolutionKernelsPlot.Write(folder, firstConvolution, title);
        else AnsiConsole.MarkupLine("[grey]No 2-D convolution in the network: no kernel picture.[/]");
    }
}

/// <summary>The test images as scored: true and predicted class names in order, and their features, C×H×W of <see cref="Shape"/> each.</summary>
internal sealed record TestedImages(IReadOnlyList<string> Truth, IReadOnlyList<string> Predicted, IEnumerable<float[]> Images, ImageShape Shape);
