namespace CnnMl.Abstractions;

/// <summary>What a finished <c>Fit</c> measured.</summary>
public sealed record TrainingSummary
{
    /// <summary>Epochs trained by this <c>Fit</c> (after <c>CnnTrainerOptions.ResumeFrom</c>, only the epochs it added).</summary>
    public required int Epochs { get; init; }

    /// <summary>Training examples per epoch.</summary>
    public required long TrainImages { get; init; }

    /// <summary>Seconds spent in training steps (validation excluded).</summary>
    public required double TrainSeconds { get; init; }

    /// <summary>Images per second over all epochs (validation excluded).</summary>
    public double ImagesPerSecond => TrainSeconds > 0 ? (double)Epochs * TrainImages / TrainSeconds : 0;

    /// <summary>Loss of the last training batch.</summary>
    public required double FinalLoss { get; init; }

    /// <summary>Training accuracy over the last epoch (0–1).</summary>
    public required double FinalTrainAccuracy { get; init; }

    /// <summary>Last measured validation accuracy (0–1), if a validation set was given.</summary>
    public double? FinalValidationAccuracy { get; init; }

    /// <summary>Trainable parameters of the network as trained (before any conversion for inference).</summary>
    public required long TrainedParameters { get; init; }

    /// <summary>The device used, e.g. "cpu".</summary>
    public required string Device { get; init; }

    /// <summary>The seed used for initialisation and shuffling.</summary>
    public required int Seed { get; init; }

    /// <summary>Every report emitted during training, in order.</summary>
    public required IReadOnlyList<TrainingReport> Reports { get; init; }
}
