using CnnMl.Architectures;
using CnnMl.Optimizers;
using CnnMl.Persistence;

namespace CnnMl.Training;

/// <summary>
/// Checks that a training checkpoint continues the run the options and data describe: same network, input,
/// classes, columns, batch size, optimizer and its settings, seed and training data, and epochs left to train. A resumed
/// run that differs in any of these would not be the interrupted run.
/// </summary>
internal static class ResumeCompatibility
{
    /// <exception cref="InvalidOperationException">The first difference, with both values and the fix.</exception>
    public static void Check(CheckpointContents checkpoint, CnnTrainerOptions options, ImageShape shape, int classes,
        IReadOnlyList<string>? classNames, int trainExamples, string trainDataSha256)
    {
        var training = checkpoint.Training
            ?? throw Mismatch(checkpoint, "it is a model checkpoint (CnnTransformer.SaveCheckpoint), without optimizer state or progress; resume from a file written through Checkpoints.Path");
        var definition = checkpoint.Definition;
        Same(checkpoint, "Architecture", CnnArchitectures.Get(definition.Architecture).Name, CnnArchitectures.Get(options.Architecture).Name);
        Same(checkpoint, "ImageShape", definition.Shape.ToString(), shape.ToString());
        Same(checkpoint, "FeatureColumnName", definition.FeatureColumnName, options.FeatureColumnName);
        Same(checkpoint, "LabelColumnName", definition.LabelColumnName, options.LabelColumnName);
        Same(checkpoint, "BatchSize", training.BatchSize, options.BatchSize);
        SameOptimizer(checkpoint, options.Optimizer);
        if (options.Seed is { } seed) Same(checkpoint, "Seed", training.Seed, seed);
        if (definition.ClassCount != classes)
            throw Mismatch(checkpoint, $"it has {definition.ClassCount} classes; the training data's label has {classes}");
        if (definition.ClassNames is { } saved && classNames is not null && !saved.SequenceEqual(classNames))
            throw Mismatch(checkpoint, $"its label key values are {Names(saved)}; the training data's are {Names(classNames)}");
        if (training.TrainExamples != trainExamples || training.TrainDataSha256 != trainDataSha256)
            throw Mismatch(checkpoint, $"it was trained on other data ({training.TrainExamples:N0} examples, SHA-256 {training.TrainDataSha256[..12]}…; " +
                                       $"now {trainExamples:N0} examples, {trainDataSha256[..12]}…); resume with the same training rows in the same order");
        if (options.Epochs <= training.EpochsCompleted)
            throw Mismatch(checkpoint, $"it has already completed {training.EpochsCompleted} epoch(s) and Epochs is {options.Epochs}; Epochs counts all epochs of the run, so set it above {training.EpochsCompleted}");
    }

    private static void Same<T>(CheckpointContents checkpoint, string option, T saved, T now)
    {
        if (!EqualityComparer<T>.Default.Equals(saved, now))
            throw Mismatch(checkpoint, $"it was trained with {option} = {saved}; the options say {now}. Use the interrupted run's {option}");
    }

    // The kind by registered name, then every setting, each named: the optimizer a resumed run creates must be the interrupted run's.
    private static void SameOptimizer(CheckpointContents checkpoint, CnnOptimizer now)
    {
        var saved = checkpoint.Optimizer!;
        Same(checkpoint, "Optimizer", saved.Document.Optimizer, CnnOptimizers.NameOf(now));
        var nowSettings = CheckpointJson.ToSettings(now);
        foreach (var (name, value) in CheckpointJson.ToSettings(saved.Settings))
            Same(checkpoint, $"Optimizer.{char.ToUpperInvariant(name[0])}{name[1..]}", value?.ToJsonString(), nowSettings[name]?.ToJsonString());
    }

    private static string Names(IReadOnlyList<string> names) => $"[{string.Join(", ", names.Take(5))}{(names.Count > 5 ? ", …" : "")}]";

    private static InvalidOperationException Mismatch(CheckpointContents checkpoint, string reason) =>
        new($"Cannot resume from checkpoint '{checkpoint.Path}': {reason}.");
}
