using CnnMl.Data;
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
    /// <paramref name="predicted"/> holds the predicted class name of each image of <paramref name="test"/>, in order.
    /// </summary>
    public static void Write(PlotFolder folder, string title, TrainingSummary? training, MulticlassClassificationMetrics metrics,
        IReadOnlyList<string> classNames, MnistDataset test, IReadOnlyList<string> predicted, ConvolutionWeights? firstConvolution)
    {
        if (training is not null) TrainingCurvesPlot.Write(folder, training, title);
        else AnsiConsole.MarkupLine("[grey]No training curves: a saved model zip keeps no training reports (train --plots draws them).[/]");

        ConfusionMatrixPlot.Write(folder, metrics.ConfusionMatrix, classNames, title);

        var truth = test.Labels.Select(l => classNames[l]).ToList();
        var wrong = MisclassifiedImagesPlot.Select(test.Pixels, test.Rows, test.Columns, truth, predicted);
        var total = truth.Where((t, i) => t != predicted[i]).Count();
        if (MisclassifiedImagesPlot.Write(folder, wrong, test.Count, total, title) is null)
            AnsiConsole.MarkupLine("[grey]No misclassified test image to draw.[/]");

        if (firstConvolution is not null) FirstConvolutionKernelsPlot.Write(folder, firstConvolution, title);
        else AnsiConsole.MarkupLine("[grey]No 2-D convolution in the network: no kernel picture.[/]");
    }
}
