using CnnMl.Architectures;
using CnnMl.Demo.Steps;
using CnnMl.Scoring;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Demo.Commands.Train;

/// <summary>
/// What <c>cnnml train</c>'s settings mean to the library: the run's ML.NET context, its trainer options and the epochs
/// it trained. The guided mode makes <see cref="TrainSettings"/> from its answers and runs them through these too.
/// </summary>
internal static class TrainRunSetup
{
    /// <summary>The ML.NET context of a run: its seed, and CUDA device 0 (no fallback) for <c>--device cuda</c>.</summary>
    public static MLContext CreateContext(TrainSettings settings) => new(seed: settings.Seed)
    {
        GpuDeviceId = settings.Device == TrainDevice.Cuda ? 0 : null,
        FallbackToCpu = false,
    };

    /// <summary>The trainer's options for the settings, validating on the test images, or on a held-out share of the training images with <c>--validation-fraction</c>.</summary>
    public static CnnTrainerOptions TrainerOptions(TrainSettings settings, PreparedData data, CancellationToken cancellation,
        string? resumeFrom = null, string? initialWeights = null) => TrainingControlOptions.ApplyTo(settings, new CnnTrainerOptions
    {
        Architecture = CnnArchitectures.Get(settings.Architecture).Name,
        FeatureColumnName = data.Data.FeatureColumn,
        Epochs = settings.Epochs,
        BatchSize = settings.BatchSize,
        ReportEveryBatches = settings.ReportEvery,
        ValidationSet = settings.ValidationFraction is null ? data.Test : null,
        ValidationSetFraction = settings.ValidationFraction,
        ValidateEveryBatches = settings.ValidateEvery,
        NumberOfThreads = settings.Threads,
        CancellationToken = cancellation,
        TransferLearning = new TransferLearningOptions
        {
            InitialWeights = initialWeights,
            ReplaceClassifier = settings.ReplaceClassifier,
            FreezeBackboneEpochs = settings.FreezeEpochs,
        },
        Checkpoints = new CheckpointOptions
        {
            Path = settings.Checkpoint is null ? null : Path.GetFullPath(settings.Checkpoint),
            ResumeFrom = resumeFrom,
        },
        TimeLimit = settings.MaxMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
        // MNIST as it is: the trainer's own choice, as before; resized images and clips: their shape.
        ImageShape = data.Input is not null || settings.ClipFrames is not null ? data.Data.Shape : null,
    }, data.Train, data.Data.Shape);

    /// <summary>
    /// The epochs the model has been trained for, resumed ones included: <c>--epochs</c>, or fewer when the time limit
    /// ended training (the last epoch-end report's number; a cut epoch counts).
    /// </summary>
    public static int EpochsTrained(TrainSettings settings, CnnTransformer model) =>
        model.TrainingSummary is { TimeLimitReached: true } summary
            ? summary.Reports.LastOrDefault(r => r.Kind == TrainingReportKind.EpochEnd)?.Epoch ?? settings.Epochs
            : settings.Epochs;
}
