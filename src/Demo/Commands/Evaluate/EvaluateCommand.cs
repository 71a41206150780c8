using CnnMl.Data;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Models;
using CnnMl.Demo.Plots;
using CnnMl.Demo.Rendering;
using CnnMl.Interpretation;
using Microsoft.ML;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Evaluate;

/// <summary>
/// <c>cnnml evaluate</c>: loads a model zip with plain ML.NET (<c>mlContext.Model.Load</c>, integrity checked) and
/// evaluates it on MNIST's test images: the same figures <c>cnnml train --out</c> printed for the saved model.
/// </summary>
public sealed class EvaluateCommand : Command<EvaluateSettings>
{
    public override int Execute(CommandContext context, EvaluateSettings settings, CancellationToken cancellation)
    {
        OutputFiles.EnsureWritable("--metrics-json", settings.MetricsJson);
        var plots = PlotFolder.Open("--plots", settings.Plots);
        var modelPath = OutputFiles.RequireFile("--model", settings.Model);

        var ml = new MLContext();
        using var model = SavedModel.Load(ml, modelPath);
        if (settings.Images is null && (model.EncodedImageInput() ?? model.ImagePathInput()) is { } imageColumn)
            throw new ArgumentException(
                $"--model {settings.Model} was trained on an image folder: it reads images (its '{imageColumn}' column{ClassesText(model)}), not MNIST's digits. " +
                "Give the test images with --images DIR, one sub-folder per label as in training.");
        var (test, source) = settings.Images is { } folder
            ? (model.ImageFolderRows(ml, folder), Path.GetFullPath(folder))
            : (ml.Data.LoadMnist(settings.DataDirectory, MnistSplit.Test, settings.TestLimit), Path.GetFullPath(settings.DataDirectory));
        var testImages = test.GetRowCount() ?? 0;
        AnsiConsole.MarkupLineInterpolated($"Model: {modelPath} ({SavedModel.Describe(model.InputSchema)})");
        AnsiConsole.MarkupLineInterpolated($"Data: [bold]{testImages:N0}[/] test images from {source}");
        cancellation.ThrowIfCancellationRequested();

        var metrics = model.Evaluate(ml, test);
        AnsiConsole.Write(MetricsView.Summary(metrics, testImages));
        AnsiConsole.Write(MetricsView.ConfusionMatrix(metrics.ConfusionMatrix, model.ClassNames() ?? MnistCatalog.DigitNames));
        AnsiConsole.MarkupLineInterpolated($"test accuracy: {metrics.MicroAccuracy:P2}");

        if (settings.MetricsJson is { } path)
        {
            var written = ModelMetrics.From(modelPath, testImages, metrics).WriteTo(path);
            AnsiConsole.MarkupLineInterpolated($"Metrics written to {written}");
        }

        if (plots is not null)
        {
            cancellation.ThrowIfCancellationRequested();
            var predicted = model.Predict(test).Select(p => p.Label).ToList();
            TestedImages? tested = null;
            if (settings.Images is null)
            {
                var mnist = MnistDataset.Load(settings.DataDirectory, MnistSplit.Test, settings.TestLimit);
                var size = mnist.Rows * mnist.Columns;
                // The features the zip scored: MNIST's bytes / 255, as LoadMnist gives them.
                var images = Enumerable.Range(0, mnist.Count).Select(i => mnist.Pixels.AsSpan(i * size, size).ToArray().Select(p => p / 255f).ToArray());
                tested = new TestedImages(mnist.Labels.Select(l => MnistCatalog.DigitNames[l]).ToList(), predicted, images, new ImageShape(1, mnist.Rows, mnist.Columns));
            }
            else
            {
                AnsiConsole.MarkupLine("[grey]No picture of the misclassified images or the top losses with --images yet (train --plots draws them).[/]");
            }
            var (_, graph) = EmbeddedOnnxGraph.Read(modelPath, model.Transformer);
            var interpretation = ClassificationInterpretation.FromScoredData(model.Transformer.Transform(test), "Label", SavedModel.ScoreColumn);
            ClassificationPictures.Write(plots, $"{Path.GetFileName(modelPath)} on {testImages:N0} test images", training: null, metrics,
                model.ClassNames() ?? MnistCatalog.DigitNames, tested, ConvolutionWeights.FirstOf(graph), interpretation, explainer: null);
        }
        return 0;
    }

    private static string ClassesText(SavedModel model) => model.ClassNames() is { } names ? $"; classes {string.Join(", ", names)}" : "";
}
