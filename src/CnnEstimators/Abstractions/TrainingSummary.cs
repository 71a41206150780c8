namespace CnnMl.Abstractions;

/// <summary>What a finished <c>Fit</c> measured.</summary>
public sealed record TrainingSummary
{
    /// <summary>
    /// Epochs trained by this <c>Fit</c> (after <c>CnnTrainerOptions.Checkpoints.ResumeFrom</c>, only the epochs it added; fewer than
    /// asked for when early stopping or the time limit ended training; an epoch cut by the time limit counts).
    /// </summary>
    public required int Epochs { get; init; }

    /// <summary>Training examples per epoch.</summary>
    public required long TrainImages { get; init; }

    /// <summary>Seconds spent in training steps (validation excluded).</summary>
    public required double TrainSeconds { get; init; }

    /// <summary>Images trained on by this <c>Fit</c>: <see cref="Epochs"/> × <see cref="TrainImages"/>, less the unfinished part of an epoch cut by the time limit.</summary>
    public required long ImagesTrained { get; init; }

    /// <summary>Images per second over all epochs (validation excluded).</summary>
    public double ImagesPerSecond => TrainSeconds > 0 ? ImagesTrained / TrainSeconds : 0;

    /// <summary>Loss of the last training batch.</summary>
    public required double FinalLoss { get; init; }

    /// <summary>Training accuracy over the last epoch (0–1).</summary>
    public required double FinalTrainAccuracy { get; init; }

    /// <summary>Last measured validation accuracy (0–1), if a validation set was given (before any restoring of the best weights).</summary>
    public double? FinalValidationAccuracy { get; init; }

    /// <summary>Last measured validation loss (mean cross-entropy), if a validation set was given.</summary>
    public double? FinalValidationLoss { get; init; }

    /// <summary>True when early stopping ended training before the last epoch.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>True when <c>CnnTrainerOptions.TimeLimit</c> ran out and ended training before the last epoch's last batch.</summary>
    public bool TimeLimitReached { get; init; }

    /// <summary>The best epoch (1-based) by the early-stopping metric, when <c>CnnTrainerOptions.EarlyStopping</c> was set.</summary>
    public int? BestEpoch { get; init; }

    /// <summary>True when the network ends with the weights of <see cref="BestEpoch"/> (<c>EarlyStopping.RestoreBestWeights</c>).</summary>
    public bool RestoredBestWeights { get; init; }

    /// <summary>Trainable parameters of the network as trained (before any conversion for inference).</summary>
    public required long TrainedParameters { get; init; }

    /// <summary>The device used, e.g. "cpu".</summary>
    public required string Device { get; init; }

    /// <summary>The seed used for initialization and shuffling.</summary>
    public required int Seed { get; init; }

    /// <summary>
    /// What training decided about libtorch's oneDNN kernels and why (<c>CnnTrainerOptions.OneDnn</c>): the forced
    /// mode, or what the probe found and which layers, if any, ran without oneDNN. Also written to <c>MLContext.Log</c>.
    /// </summary>
    public string? OneDnn { get; init; }

    /// <summary>
    /// The loss of every training batch of this <c>Fit</c>, in order (epoch by epoch; the batches of an epoch cut by the
    /// time limit end early). Reports carry the loss only every <c>ReportEveryBatches</c>; this is the whole curve.
    /// </summary>
    public IReadOnlyList<double> BatchLosses { get; init; } = [];

    /// <summary>Every report emitted during training, in order.</summary>
    public required IReadOnlyList<TrainingReport> Reports { get; init; }
}
