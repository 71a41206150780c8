using CnnMl.Optimizers;
using System.Globalization;

namespace CnnMl.Training;

/// <summary>
/// Training diverged: the loss (or, after the last step, a weight) became NaN or infinite. <c>Fit</c> stops
/// at once instead of returning a network that scores NaN for every image. The one-line message names the
/// epoch, the batch and the learning rate, and says what to try.
/// </summary>
public sealed class NonFiniteLossException : InvalidOperationException
{
    /// <summary>Creates the exception for the step that diverged.</summary>
    /// <param name="loss">The loss of that step (NaN or ±Infinity; NaN when the weights diverged after a finite loss).</param>
    /// <param name="epoch">1-based epoch.</param>
    /// <param name="batch">1-based batch within the epoch.</param>
    /// <param name="batchesPerEpoch">Batches per epoch.</param>
    /// <param name="learningRate">The learning rate in use.</param>
    /// <param name="what">What became non-finite, e.g. "the loss".</param>
    public NonFiniteLossException(double loss, int epoch, int batch, int batchesPerEpoch, double learningRate, string what = "the loss")
        : base(string.Create(CultureInfo.InvariantCulture,
            $"Training diverged: {what} became {Describe(loss)} at epoch {epoch}, batch {batch} of {batchesPerEpoch} (learning rate {learningRate:G4}). " +
            $"Lower CnnTrainerOptions.Optimizer.LearningRate (cnnml --lr; default {CnnOptimizer.DefaultLearningRate:0e0}) or look for extreme pixel values."))
    {
        Loss = loss;
        Epoch = epoch;
        Batch = batch;
        LearningRate = learningRate;
    }

    /// <summary>The loss of the step that diverged.</summary>
    public double Loss { get; }

    /// <summary>1-based epoch of that step.</summary>
    public int Epoch { get; }

    /// <summary>1-based batch of that step within its epoch.</summary>
    public int Batch { get; }

    /// <summary>The learning rate in use.</summary>
    public double LearningRate { get; }

    private static string Describe(double value) => double.IsNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity";
}
