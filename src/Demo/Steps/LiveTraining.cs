using CnnMl.Demo.Rendering;
using CnnMl.Scoring;
using CnnMl.Training;
using Microsoft.ML;
using Spectre.Console;

namespace CnnMl.Demo.Steps;

/// <summary>Training as <c>cnnml train</c> and the guided mode show it: live bars in a terminal, report lines elsewhere.</summary>
internal static class LiveTraining
{
    /// <summary>
    /// Trains with a live display in a terminal, or with the report lines alone when the output is redirected.
    /// <paramref name="batchLines"/>: also print the periodic report lines above the live bars (the guided mode leaves
    /// them to the bars and prints the end of each epoch).
    /// </summary>
    public static CnnTransformer Fit(MLContext ml, CnnTrainerOptions options, IDataView train, bool batchLines = true)
    {
        var trainer = ml.MulticlassClassification.Trainers.Cnn(options);
        CnnTransformer model;
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            model = TrainingProgressView.Run(AnsiConsole.Console, options, () => trainer.Fit(train), batchLines);
        }
        else
        {
            // Redirected output (a log, CI): the report lines alone, no live bar.
            options.Progress = new SynchronousProgress<TrainingReport>(report => AnsiConsole.WriteLine(report.ToString()));
            model = trainer.Fit(train);
        }
        if (model.TrainingSummary is { TimeLimitReached: true } summary)
            AnsiConsole.MarkupLineInterpolated($"[yellow]Time limit reached[/]: training stopped after {summary.ImagesTrained:N0} images; the model is the one trained so far.");
        return model;
    }
}
