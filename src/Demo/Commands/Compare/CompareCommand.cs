using System.Globalization;
using CnnMl.Architectures;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Plots;
using CnnMl.Demo.Rendering;
using CnnMl.Demo.Steps;
using CnnMl.Inspection;
using CnnMl.Training;
using Microsoft.ML;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Compare;

/// <summary>
/// <c>cnnml compare</c>: an AutoML-style leaderboard. Every architecture named is built for the same input, trained
/// through the same ML.NET pipeline with the same data, seed and options, and evaluated by ML.NET on the same test
/// images; the table ranks them by accuracy beside their size (parameters and multiply-accumulates, from
/// <see cref="ModelSummary"/>) and speed.
/// </summary>
public sealed class CompareCommand : Command<CompareSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, CompareSettings settings, CancellationToken cancellation)
    {
        OutputFiles.EnsureWritable("--json", settings.Json);
        var plots = PlotFolder.Open("--plots", settings.Plots);

        var ml = new MLContext(seed: settings.Seed);
        var names = settings.ArchitectureNames;
        AnsiConsole.Write(new Rule($"[bold]CnnMl[/] · compare · {names.Count} architectures").LeftJustified());
        var data = ComparisonData.Load(ml, settings, CnnArchitectures.Get(names[0]));
        foreach (var line in data.Description) AnsiConsole.WriteLine(line);
        AnsiConsole.MarkupLineInterpolated(
            $"Each: input {data.Shape}, {data.Classes} classes, {TrainingControlOptions.Describe(TrainerOptions(names[0], data, settings, cancellation))}, batch {settings.BatchSize}, {settings.Epochs} epoch(s), seed {settings.Seed}");

        // Every network is built once before any training (Validate has already refused one that cannot take the input).
        var summaries = names.ToDictionary(n => n, n => Summarize(n, data));

        var entries = new List<LeaderboardEntry>();
        foreach (var (name, index) in names.Select((n, i) => (n, i + 1)))
        {
            cancellation.ThrowIfCancellationRequested();
            AnsiConsole.Write(new Rule($"{index}/{names.Count} [blue]{Markup.Escape(name)}[/]").LeftJustified());
            entries.Add(TrainAndTest(name, summaries[name], data, settings, cancellation));
        }

        var board = new Leaderboard(string.Join("; ", data.Description), data.Shape.ToString(), settings.Epochs, data.TrainImages, data.TestImages, settings.Seed,
            LeaderboardEntry.Ranked(entries));
        AnsiConsole.Write(LeaderboardView.Table(board));
        var best = board.Entries[0];
        AnsiConsole.MarkupLineInterpolated($"Best: [green]{best.Architecture}[/], test accuracy {best.MicroAccuracy:P2} with {best.Parameters:N0} parameters.");

        cancellation.ThrowIfCancellationRequested();
        if (settings.Json is { } path) AnsiConsole.MarkupLineInterpolated($"Leaderboard written to {board.WriteTo(path)}");
        if (plots is not null) AccuracyVsParametersPlot.Write(plots, board);
        return 0;
    }

    private static ModelSummary Summarize(string name, ComparisonData data)
    {
        try
        {
            return ModelSummary.Of(name, data.Shape, data.Classes);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or System.Runtime.InteropServices.ExternalException)
        {
            throw new ArgumentException(
                $"--archs {name}: the network cannot be built for input {data.Shape} ({e.Message.TrimEnd('.')}); leave it out or compare at another --input.", e);
        }
    }

    private static LeaderboardEntry TrainAndTest(string name, ModelSummary summary, ComparisonData data, CompareSettings settings, CancellationToken cancellation)
    {
        // A fresh context per architecture with the same seed: each one starts from the same shuffles.
        var ml = new MLContext(seed: settings.Seed);
        using var model = ml.MulticlassClassification.Trainers.Cnn(TrainerOptions(name, data, settings, cancellation)).Fit(data.Train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data.Test));
        var training = model.TrainingSummary!;
        AnsiConsole.MarkupLineInterpolated(
            $"{name}: test accuracy {metrics.MicroAccuracy:P2} (macro {metrics.MacroAccuracy:P2}, log-loss {metrics.LogLoss:F4}); trained in {training.TrainSeconds:F1} s ({training.ImagesPerSecond:N0} images/s)");
        var classNames = Enumerable.Range(0, metrics.ConfusionMatrix.NumberOfClasses).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToList();
        if (LearnedNothingWarning.For(metrics.MicroAccuracy, metrics.ConfusionMatrix.Counts, model.Definition.ClassNames ?? classNames,
                $"cnnml lr-find --arch {name} (and this run's data options)") is { } warning)
            AnsiConsole.MarkupLineInterpolated($"[yellow]{name}: {warning}[/]");
        return new LeaderboardEntry(0, name, metrics.MicroAccuracy, metrics.MacroAccuracy, metrics.LogLoss,
            summary.TotalParameters, summary.Macs, training.TrainSeconds, training.ImagesPerSecond);
    }

    /// <summary>The trainer's options for one architecture: the same for every one but its name.</summary>
    internal static CnnTrainerOptions TrainerOptions(string name, ComparisonData data, CompareSettings settings, CancellationToken cancellation) =>
        TrainingControlOptions.ApplyTo(settings, new CnnTrainerOptions
        {
            Architecture = name,
            FeatureColumnName = data.FeatureColumn,
            ImageShape = data.Shape,
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            ReportEveryBatches = 0,
            ValidationSetFraction = settings.ValidationFraction,
            // Early stopping watches the test images without --validation-fraction, as train's does.
            ValidationSet = settings.EarlyStopping is not null && settings.ValidationFraction is null ? data.Test : null,
            NumberOfThreads = settings.Threads,
            CancellationToken = cancellation,
            Progress = new SynchronousProgress<TrainingReport>(report =>
            {
                if (report.Kind == TrainingReportKind.EpochEnd) Console.WriteLine(report.ToString());
            }),
        }, data.Train, data.Shape);
}
