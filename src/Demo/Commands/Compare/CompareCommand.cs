using System.Globalization;
using CnnMl.Architectures;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Plots;
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
            $"Each: input {data.Shape}, {data.Classes} classes, Adam lr {settings.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {settings.BatchSize}, {settings.Epochs} epoch(s), seed {settings.Seed}");

        // Every network is built once before any training (Validate has already refused one that cannot take the input).
        var summaries = names.ToDictionary(n => n, n => Summarise(n, data));

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

    private static ModelSummary Summarise(string name, ComparisonData data)
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
        var options = new CnnTrainerOptions
        {
            Architecture = name,
            FeatureColumnName = data.FeatureColumn,
            ImageShape = data.Shape,
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            LearningRate = settings.LearningRate,
            ReportEveryBatches = 0,
            ValidationSetFraction = settings.ValidationFraction,
            NumberOfThreads = settings.Threads,
            CancellationToken = cancellation,
            Progress = new SynchronousProgress<TrainingReport>(report =>
            {
                if (report.Kind == TrainingReportKind.EpochEnd) Console.WriteLine(report.ToString());
            }),
        };
        using var model = ml.MulticlassClassification.Trainers.Cnn(options).Fit(data.Train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data.Test));
        var training = model.TrainingSummary!;
        AnsiConsole.MarkupLineInterpolated(
            $"{name}: test accuracy {metrics.MicroAccuracy:P2} (macro {metrics.MacroAccuracy:P2}, log-loss {metrics.LogLoss:F4}); trained in {training.TrainSeconds:F1} s ({training.ImagesPerSecond:N0} images/s)");
        return new LeaderboardEntry(0, name, metrics.MicroAccuracy, metrics.MacroAccuracy, metrics.LogLoss,
            summary.TotalParameters, summary.Macs, training.TrainSeconds, training.ImagesPerSecond);
    }
}
