namespace CnnMl.Abstractions;

/// <summary>What a <see cref="TrainingReport"/> marks.</summary>
public enum TrainingReportKind
{
    /// <summary>Training starts (device, parameters and data size are known).</summary>
    Started,

    /// <summary>The periodic report every N batches.</summary>
    Batch,

    /// <summary>An epoch has finished.</summary>
    EpochEnd,

    /// <summary>Training has finished.</summary>
    Completed,
}

/// <summary>
/// One progress report from <see cref="Training.CnnTrainer"/>, as the source document prints them: epoch,
/// images seen, loss, running training accuracy and, when a validation set is given, validation accuracy.
/// </summary>
public sealed record TrainingReport
{
    /// <summary>What this report marks.</summary>
    public required TrainingReportKind Kind { get; init; }

    /// <summary>Epoch, 1-based.</summary>
    public required int Epoch { get; init; }

    /// <summary>Number of epochs.</summary>
    public required int Epochs { get; init; }

    /// <summary>Batches finished in this epoch.</summary>
    public required int Batch { get; init; }

    /// <summary>Batches per epoch.</summary>
    public required int BatchesPerEpoch { get; init; }

    /// <summary>Images trained on in this epoch so far.</summary>
    public required long ImagesSeen { get; init; }

    /// <summary>Images in one epoch.</summary>
    public required long ImagesPerEpoch { get; init; }

    /// <summary>Loss of the last batch (cross-entropy plus any architecture loss terms); NaN before the first batch.</summary>
    public required double Loss { get; init; }

    /// <summary>Accuracy on the training batches of this epoch so far (0–1); NaN before the first batch.</summary>
    public required double TrainAccuracy { get; init; }

    /// <summary>Accuracy on the validation set (0–1), when measured for this report.</summary>
    public double? ValidationAccuracy { get; init; }

    /// <summary>Mean cross-entropy on the validation set (ML.NET's log-loss), when measured for this report.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>The learning rate the optimizer used for the last batch; NaN before the first batch.</summary>
    public double LearningRate { get; init; } = double.NaN;

    /// <summary>Seconds spent training so far, validation excluded.</summary>
    public required double TrainSeconds { get; init; }

    /// <summary>Training throughput so far (images / <see cref="TrainSeconds"/>).</summary>
    public double ImagesPerSecond => TrainSeconds > 0 ? TotalImagesTrained / TrainSeconds : 0;

    /// <summary>Images trained on over all epochs so far.</summary>
    public required long TotalImagesTrained { get; init; }

    /// <summary>Fraction of all training batches done, 0–1.</summary>
    public double FractionDone => BatchesPerEpoch == 0 ? 0 : ((Epoch - 1) * (double)BatchesPerEpoch + Batch) / ((double)Epochs * BatchesPerEpoch);

    /// <summary>The device trained on, e.g. "cpu".</summary>
    public required string Device { get; init; }

    /// <summary>One line in the source document's style.</summary>
    public override string ToString()
    {
        var text = Kind switch
        {
            TrainingReportKind.Started => $"Training on {Device}: {Epochs} epoch(s) of {ImagesPerEpoch:N0} images, {BatchesPerEpoch:N0} batches each",
            TrainingReportKind.Completed => $"Training done: {TotalImagesTrained:N0} images in {TrainSeconds:F1} s ({ImagesPerSecond:N0} images/s)",
            _ => $"epoch {Epoch}/{Epochs} [{ImagesSeen:N0}/{ImagesPerEpoch:N0} ({100.0 * ImagesSeen / Math.Max(1, ImagesPerEpoch):F0}%)]  loss {Loss:F6}  train acc {100 * TrainAccuracy:F2}%",
        };
        if (ValidationAccuracy is { } v) text += $"  validation acc {100 * v:F2}%";
        if (Kind is TrainingReportKind.Batch or TrainingReportKind.EpochEnd) text += $"  ({ImagesPerSecond:N0} images/s)";
        return text;
    }
}
