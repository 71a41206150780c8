using System.Globalization;
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
        else if (EpochCapText(options, model.TrainingSummary) is { } cap)
            AnsiConsole.MarkupLineInterpolated($"[yellow]{cap}[/]");
        if (model.TrainingSummary is { StoppedEarly: true } stopped)
            AnsiConsole.MarkupLineInterpolated($"Early stopping: no improvement for {options.EarlyStopping!.Patience} epoch(s) after epoch {stopped.BestEpoch}; stopped after epoch {stopped.Epochs}{(stopped.RestoredBestWeights ? $", the weights of epoch {stopped.BestEpoch} kept" : "")}.");
        return model;
    }

    /// <summary>
    /// When a time budget was given but every epoch ran before it was spent: says that the epoch cap, not the time,
    /// ended training (null otherwise, or when early stopping ended it).
    /// </summary>
    public static string? EpochCapText(CnnTrainerOptions options, TrainingSummary? summary) =>
        options.TimeLimit is { } limit && summary is { TimeLimitReached: false, StoppedEarly: false }
            ? string.Create(CultureInfo.InvariantCulture,
                $"Epoch cap reached: all {options.Epochs} epoch(s) ran in {summary.TrainSeconds:F0} s, within the {limit.TotalMinutes:G4}-minute budget; raise --epochs to use all of it.")
            : null;
}
