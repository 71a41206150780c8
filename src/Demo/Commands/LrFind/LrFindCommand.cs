using System.Globalization;
using CnnMl.Architectures;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Plots;
using CnnMl.Demo.Steps;
using CnnMl.Training;
using Microsoft.ML;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.LrFind;

/// <summary>
/// <c>cnnml lr-find</c>: the learning-rate range test (Smith 2015; fastai's <c>lr_find</c>) through
/// <see cref="CnnTrainer.FindLearningRate"/>: a short run with the rate rising geometrically, the smoothed loss per
/// rate, and the rate to train with. Nothing is trained for keeps: the network of the test is thrown away.
/// </summary>
public sealed class LrFindCommand : Command<LrFindSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, LrFindSettings settings, CancellationToken cancellation)
    {
        OutputFiles.EnsureWritable("--json", settings.Json);
        var plots = PlotFolder.Open("--plots", settings.Plots);

        var architecture = CnnArchitectures.Get(settings.Architecture);
        AnsiConsole.Write(new Rule($"[bold]CnnMl[/] · learning-rate range test · [blue]{architecture.Name}[/]").LeftJustified());
        var ml = new MLContext(seed: settings.Seed);
        var data = PreparedData.Load(ml, settings, architecture);
        var options = TrainerOptions(settings, data.Data.FeatureColumn, data.Input is not null ? data.Data.Shape : null, data.Train, data.Data.Shape, cancellation);
        var finder = new LearningRateFinderOptions { StartLearningRate = settings.StartLearningRate, EndLearningRate = settings.EndLearningRate, Steps = settings.Steps };
        AnsiConsole.MarkupLineInterpolated(
            $"Range test: {settings.Steps} steps of {settings.BatchSize} images, rate from {settings.StartLearningRate.ToString("G3", CultureInfo.InvariantCulture)} towards {settings.EndLearningRate.ToString("G3", CultureInfo.InvariantCulture)}, {TrainingControlOptions.Describe(options, withRate: false)}");

        var result = ml.MulticlassClassification.Trainers.Cnn(options).FindLearningRate(data.Train, finder);
        var last = result.Curve[^1];
        AnsiConsole.MarkupLineInterpolated(
            $"{result.Curve.Count} steps{(result.StoppedOnDivergence ? $", stopped at rate {Rate(last.LearningRate)} when the loss diverged" : "")}; smoothed loss from {result.Curve[0].SmoothedLoss:F3} to a lowest {result.Curve.Min(p => p.SmoothedLoss):F3}.");
        var table = new Table().RoundedBorder().AddColumn("Suggestion").AddColumn(new TableColumn("Rate").RightAligned());
        table.AddRow("steepest descent of the smoothed loss", Rate(result.SteepestLearningRate));
        table.AddRow("lowest loss / 10", Rate(result.LowestLossLearningRate / 10));
        table.AddRow("valley (fastai's default)", Rate(result.ValleyLearningRate));
        table.AddRow("[bold]suggested[/] (the lower of the first two)", $"[bold]{Rate(result.SuggestedLearningRate)}[/]");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"Train with it: cnnml train --arch {architecture.Name} --lr {Rate(result.SuggestedLearningRate)}");

        cancellation.ThrowIfCancellationRequested();
        if (settings.Json is { } json)
            AnsiConsole.MarkupLineInterpolated($"Curve written to {OutputFiles.WriteAtomically(json, result.ToJson())}");
        if (plots is not null) LearningRateFinderPlot.Write(plots, result, data.Data.Source);
        return 0;
    }

    /// <summary>The trainer's options for the test: train's, from the same settings, without the rate's schedule.</summary>
    internal static CnnTrainerOptions TrainerOptions(LrFindSettings settings, string featureColumn, ImageShape? shape, IDataView train, ImageShape networkShape,
        CancellationToken cancellation) =>
        TrainingControlOptions.ApplyTo(settings, new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.Get(settings.Architecture).Name,
            FeatureColumnName = featureColumn,
            ImageShape = shape,
            BatchSize = settings.BatchSize,
            NumberOfThreads = settings.Threads,
            CancellationToken = cancellation,
        }, train, networkShape);

    private static string Rate(double rate) => rate.ToString("G3", CultureInfo.InvariantCulture);
}
