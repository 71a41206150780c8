using CnnMl.Data;
using CnnMl.Demo.Models;
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
        var modelPath = OutputFiles.RequireFile("--model", settings.Model);

        var ml = new MLContext();
        using var model = SavedModel.Load(ml, modelPath);
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
        return 0;
    }
}
