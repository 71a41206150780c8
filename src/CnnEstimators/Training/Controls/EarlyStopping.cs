using System.Globalization;

namespace CnnMl.Training;

/// <summary>What <see cref="EarlyStopping"/> watches.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>Cross-entropy of the validation set (lower is better), Keras's <c>val_loss</c>.</summary>
    ValidationLoss,

    /// <summary>Accuracy on the validation set (higher is better), Keras's <c>val_accuracy</c>.</summary>
    ValidationAccuracy,
}

/// <summary>
/// Stops training when the validation metric has not improved for <see cref="Patience"/> epochs and puts back the
/// weights of the best epoch: Keras's <c>EarlyStopping(monitor, min_delta, patience, restore_best_weights)</c>.
/// Needs <see cref="CnnTrainerOptions.ValidationSet"/>; the metric is measured at the end of every epoch.
/// </summary>
/// <remarks>
/// An epoch improves when its value beats the best so far by more than <see cref="MinDelta"/> (loss: value + δ &lt; best;
/// accuracy: value − δ &gt; best); the first epoch always does. After <see cref="Patience"/> epochs in a row without
/// improvement training stops (patience 0: at the first one). With <see cref="RestoreBestWeights"/> the network ends
/// with the parameters and buffers it had at the end of the best epoch, whether or not training stopped early
/// (Keras 3 does the same). A NaN metric never improves.
/// </remarks>
public sealed class EarlyStopping
{
    private readonly int _patience = 3;
    private readonly double _minDelta;

    /// <summary>The metric watched. Default <see cref="EarlyStoppingMetric.ValidationLoss"/> (Keras's default monitor).</summary>
    public EarlyStoppingMetric Metric { get; init; } = EarlyStoppingMetric.ValidationLoss;

    /// <summary>Epochs without improvement before training stops. Default 3.</summary>
    public int Patience
    {
        get => _patience;
        init
        {
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(Patience), value, "Patience must be 0 or more epochs.");
            _patience = value;
        }
    }

    /// <summary>The smallest change that counts as an improvement (accuracy as a fraction, 0–1). Default 0.</summary>
    public double MinDelta
    {
        get => _minDelta;
        init
        {
            if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(MinDelta), value, "MinDelta must be a finite number, 0 or more.");
            _minDelta = value;
        }
    }

    /// <summary>End with the weights of the best epoch. Default true.</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>True when <paramref name="value"/> beats <paramref name="best"/> by more than <see cref="MinDelta"/>.</summary>
    public bool IsImprovement(double value, double best) => Metric == EarlyStoppingMetric.ValidationLoss
        ? value + MinDelta < best
        : value - MinDelta > best;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"early stopping on {(Metric == EarlyStoppingMetric.ValidationLoss ? "validation loss" : "validation accuracy")} (patience {Patience}, min delta {MinDelta:G3}{(RestoreBestWeights ? ", restoring the best weights" : "")})");
}
