using CnnMl.Interpretation;
using Microsoft.ML.Data;
using Spectre.Console;

namespace CnnMl.Demo.Plots;

/// <summary>
/// The pictures of one trained or saved classifier, for <c>train --plots</c> and <c>evaluate --plots</c>: training
/// curves (when the training reports are at hand), the confusion-matrix heat map, the misclassified test images, the
/// first convolution's kernels, the top losses, the most confused pairs (a table) and Grad-CAM (when the TorchSharp
/// network is at hand).
/// </summary>
internal static class ClassificationPictures
{
    /// <summary>
    /// Writes every picture that the given inputs allow into <paramref name="folder"/>, and says which could not be drawn.
    /// <paramref name="tested"/> holds each test image's true and predicted class name, in order, and its features
    /// (C×H×W of the shape); null when the caller has no pictures of them (it says why). <paramref name="interpretation"/>
    /// reads the same test rows' scores; <paramref name="explainer"/> makes a Grad-CAM of the network (null for a model zip,
    /// which scores with ONNX Runtime and has no gradients).
    /// </summary>
    public static void Write(PlotFolder folder, string title, TrainingSummary? training, MulticlassClassificationMetrics metrics,
        IReadOnlyList<string> classNames, TestedImages? tested, ConvolutionWeights? firstConvolution,
        ClassificationInterpretation interpretation, Func<CamMethod, GradCam>? explainer)
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

        if (tested is not null && interpretation.ExampleCount > 0) TopLossesPlot.Write(folder, interpretation, tested.Rows, tested.Shape, title);
        MostConfusedReport.Write(folder, interpretation, title);

        if (tested is null) return;
        if (explainer is null)
        {
            AnsiConsole.MarkupLine("[grey]No Grad-CAM from a model zip: gradients need the TorchSharp network (cnnml explain --checkpoint FILE IMAGE... draws it).[/]");
            return;
        }
        GradCamPictures(folder, tested, explainer, title);
    }

    /// <summary>Grad-CAM of the test images <see cref="GradCamPlot.ChooseRows"/> picks, for the class each is predicted as.</summary>
    private static void GradCamPictures(PlotFolder folder, TestedImages tested, Func<CamMethod, GradCam> explainer, string title)
    {
        GradCam cam;
        try
        {
            cam = GradCamPlot.Explainer(explainer, CamChoice.Auto);
        }
        catch (ArgumentException e)
        {
            // An architecture without a feature-map layer a hook can see: say so, and draw the rest.
            AnsiConsole.MarkupLineInterpolated($"[grey]No Grad-CAM picture: {e.Message}[/]");
            return;
        }
        var rows = GradCamPlot.ChooseRows(tested.Truth);
        var features = tested.Rows(rows);
        var maps = cam.Compute(rows.Select(r => features[r]).ToArray());
        var examples = rows.Select((row, i) => new GradCamExample(GrayImage.FromFeatures(features[row], tested.Shape), maps[i], tested.Predicted[(int)row],
            FormattableString.Invariant($"true {tested.Truth[(int)row]}, pred {tested.Predicted[(int)row]} ({maps[i].PredictedProbability:0.00})"))).ToList();
        GradCamPlot.Write(folder, GradCamPlot.FileName, examples, cam.Method,
            $"{GradCamPlot.MethodName(cam.Method)} of layer {cam.TargetLayer} for the predicted class, {examples.Count} test images · {title}");
    }
}

/// <summary>The test images as scored: true and predicted class names in order, and their features, C×H×W of <see cref="Shape"/> each.</summary>
internal sealed record TestedImages(IReadOnlyList<string> Truth, IReadOnlyList<string> Predicted, IEnumerable<float[]> Images, ImageShape Shape)
{
    /// <summary>The features of the rows asked for (0-based positions in the test data), read in one pass.</summary>
    public IReadOnlyDictionary<long, float[]> Rows(IReadOnlyCollection<long> rows)
    {
        var wanted = rows.ToHashSet();
        var found = new Dictionary<long, float[]>();
        long row = 0;
        foreach (var image in Images)
        {
            if (found.Count == wanted.Count) break;
            if (wanted.Contains(row)) found[row] = image;
            row++;
        }
        if (found.Count != wanted.Count)
            throw new InvalidOperationException($"The test data has {row} images; rows {string.Join(", ", wanted.Where(r => !found.ContainsKey(r)))} are not among them.");
        return found;
    }
}
