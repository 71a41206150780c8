namespace CnnMl.Abstractions;

/// <summary>
/// Where training stands at the start of a batch, as passed to <see cref="ITrainingProgressObserver"/>.
/// Epochs and batches count from 0.
/// </summary>
/// <param name="Epoch">Current epoch, 0-based.</param>
/// <param name="Batch">Batch within the epoch, 0-based.</param>
/// <param name="BatchesPerEpoch">Number of batches in one epoch.</param>
/// <param name="TotalEpochs">Number of epochs the training will run.</param>
public readonly record struct TrainingProgress(int Epoch, int Batch, int BatchesPerEpoch, int TotalEpochs)
{
    /// <summary>Fraction of all batches done before this one, in [0, 1): (epoch·batchesPerEpoch + batch) / (epochs·batchesPerEpoch).</summary>
    public double Fraction => (Epoch * (double)BatchesPerEpoch + Batch) / ((double)TotalEpochs * BatchesPerEpoch);
}
