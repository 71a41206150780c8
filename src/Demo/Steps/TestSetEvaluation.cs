using CnnMl.Data;
using CnnMl.Demo.Rendering;
using CnnMl.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;

namespace CnnMl.Demo.Steps;

/// <summary>The trained network's evaluation on the test images, as <c>cnnml train</c> and the guided mode show it.</summary>
internal static class TestSetEvaluation
{
    /// <summary>Scores the test images, shows ML.NET's metrics, the per-class precision and recall and the confusion matrix.</summary>
    public static MulticlassClassificationMetrics Show(MLContext ml, CnnTransformer model, IDataView test, long testImages)
    {
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        var names = model.Definition.ClassNames ?? MnistCatalog.DigitNames;
        AnsiConsole.Write(MetricsView.Summary(metrics, testImages));
        AnsiConsole.Write(MetricsView.PerClass(metrics.ConfusionMatrix, names));
        AnsiConsole.Write(MetricsView.ConfusionMatrix(metrics.ConfusionMatrix, names));
        if (LearnedNothingWarning.For(metrics.MicroAccuracy, metrics.ConfusionMatrix.Counts, names,
                $"cnnml lr-find --arch {model.Definition.Architecture} (and this run's data options)") is { } warning)
            AnsiConsole.MarkupLineInterpolated($"[yellow]{warning}[/]");
        return metrics;
    }
}
