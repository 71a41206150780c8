using System.Diagnostics;
using CnnMl.Scoring;
using CnnMl.Training;
using Spectre.Console;

namespace CnnMl.Demo.Rendering;

/// <summary>
/// The live training display of <c>cnnml train</c> and the guided mode: an epoch bar and an overall bar with its ETA,
/// the epoch bar's label carrying the latest loss, training and validation accuracy and images/s; each report's line
/// is printed above the bars as the source document prints it.
/// </summary>
internal static class TrainingProgressView
{
    /// <summary>
    /// Runs <paramref name="fit"/> (which trains with <paramref name="options"/>) under the live display; prints the
    /// periodic reports' lines too when <paramref name="batchLines"/>, else only those that end an epoch or the run.
    /// </summary>
    public static CnnTransformer Run(IAnsiConsole console, CnnTrainerOptions options, Func<CnnTransformer> fit, bool batchLines = true)
    {
        CnnTransformer model = null!;
        var clock = Stopwatch.StartNew();
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(progress =>
            {
                var epochTask = progress.AddTask("epoch 1", maxValue: 1.0);
                var overall = progress.AddTask(OverallLabel(options), maxValue: 1.0);
                double? lastValidation = null;
                options.Progress = new SynchronousProgress<TrainingReport>(report =>
                {
                    if (report.Kind is TrainingReportKind.EpochEnd or TrainingReportKind.Completed || (batchLines && report.Kind == TrainingReportKind.Batch))
                        console.WriteLine(report.ToString());
                    if (report.Kind == TrainingReportKind.Completed) return;
                    lastValidation = report.ValidationAccuracy ?? lastValidation;
                    epochTask.Description = EpochLabel(report, lastValidation);
                    epochTask.Value = report.ImagesPerEpoch == 0 ? 0 : (double)report.ImagesSeen / report.ImagesPerEpoch;
                    // With a time budget, the budget may end first: the bar shows whichever is further along.
                    var byTime = options.TimeLimit is { } limit ? clock.Elapsed / limit : 0;
                    overall.Value = Math.Min(1.0, Math.Max(report.FractionDone, byTime));
                });
                model = fit();
                epochTask.Value = epochTask.MaxValue;
                overall.Value = overall.MaxValue;
            });
        return model;
    }

    private static string OverallLabel(CnnTrainerOptions options) =>
        options.TimeLimit is { } limit ? $"all: {options.Epochs} epoch(s) or {limit.TotalMinutes:0.##} min" : $"all: {options.Epochs} epoch(s)";

    /// <summary>"epoch 2/3 · loss 0.0812 · train 97.2% · val 97.9% · 1,234 img/s" (markup).</summary>
    public static string EpochLabel(TrainingReport report, double? lastValidation)
    {
        var text = $"epoch {report.Epoch}/{report.Epochs}";
        if (double.IsFinite(report.Loss)) text += $" · loss [bold]{report.Loss:F4}[/] · train [bold]{100 * report.TrainAccuracy:F1}%[/]";
        if (lastValidation is { } validation) text += $" · val [bold]{100 * validation:F1}%[/]";
        if (report.ImagesPerSecond > 0) text += $" · {report.ImagesPerSecond:N0} img/s";
        return text;
    }
}
