using CnnMl.Data;
using CnnMl.Demo.Models;
using CnnMl.Demo.Plots;
using CnnMl.Demo.Rendering;
using Microsoft.ML;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands;

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
        var test = ml.Data.LoadMnist(settings.DataDirectory, MnistSplit.Test, settings.TestLimit);
        var testImages = test.GetRowCount() ?? 0;
        AnsiConsole.MarkupLineInterpolated($"Model: {modelPath} ({SavedModel.Describe(model.InputSchema)})");
        AnsiConsole.MarkupLineInterpolated($"Data: [bold]{testImages:N0}[/] test images from {Path.GetFullPath(settings.DataDirectory)}");
        cancellation.ThrowIfCancellationRequested();

        var metrics = model.Evaluate(ml, test);
        AnsiConsole.Write(MetricsView.Summary(metrics, testImages));
        AnsiConsole.Write(MetricsView.ConfusionMatrix(metrics.ConfusionMatrix, MnistCatalog.DigitNames));
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
            var mnist = MnistDataset.Load(settings.DataDirectory, MnistSplit.Test, settings.TestLimit);
            var (_, graph) = EmbeddedOnnxGraph.Read(modelPath, model.Transformer);
            ClassificationPictures.Write(plots, Path.GetFileName(modelPath), training: null, metrics, MnistCatalog.DigitNames, mnist, predicted,
                ConvolutionWeights.FirstOf(graph));
        }
        return 0;
    }
}
