namespace CnnMl.Training;

/// <summary>
/// The state of one run's <see cref="EarlyStopping"/>: the best value and epoch so far and the epochs waited since.
/// Pure bookkeeping (Keras's <c>on_epoch_end</c>); the trainer keeps the weights.
/// </summary>
internal sealed class EarlyStoppingMonitor
{
    private readonly EarlyStopping _rule;
    private int _wait;

    public EarlyStoppingMonitor(EarlyStopping rule)
    {
        _rule = rule;
        Best = rule.Metric == EarlyStoppingMetric.ValidationLoss ? double.PositiveInfinity : double.NegativeInfinity;
    }

    /// <summary>The best value seen (±∞ before the first epoch).</summary>
    public double Best { get; private set; }

    /// <summary>The 0-based epoch of <see cref="Best"/>, or null before any improvement.</summary>
    public int? BestEpoch { get; private set; }

    /// <summary>Records the metric at the end of <paramref name="epoch"/>; returns whether it improved and whether to stop.</summary>
    public (bool Improved, bool Stop) Update(int epoch, double accuracy, double loss)
    {
        var value = _rule.Metric == EarlyStoppingMetric.ValidationLoss ? loss : accuracy;
        if (!double.IsNaN(value) && _rule.IsImprovement(value, Best))
        {
            Best = value;
            BestEpoch = epoch;
            _wait = 0;
            return (true, false);
        }
        _wait++;
        return (false, _wait >= _rule.Patience);
    }
}
