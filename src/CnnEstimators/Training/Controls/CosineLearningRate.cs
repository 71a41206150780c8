using System.Globalization;

namespace CnnMl.Training;

/// <summary>
/// Cosine annealing from the base rate to <see cref="MinimumRate"/> over the run: PyTorch's
/// <c>CosineAnnealingLR(T_max = steps, eta_min)</c> stepped once per batch. Rate at step t of T =
/// min + (base − min) × (1 + cos(π t / T)) / 2.
/// </summary>
public sealed class CosineLearningRate : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="minimumRate">The rate the cosine ends at (<c>eta_min</c>), 0 or more. Default 0.</param>
    public CosineLearningRate(double minimumRate = 0)
    {
        if (!(minimumRate >= 0) || double.IsInfinity(minimumRate))
            throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, "The minimum rate must be a finite number, 0 or more.");
        MinimumRate = minimumRate;
    }

    /// <summary>The rate at the end of the run (<c>eta_min</c>).</summary>
    public double MinimumRate { get; }

    /// <inheritdoc />
    protected override double Scheduled(long step, long steps, int stepsPerEpoch, double baseRate) =>
        MinimumRate + (baseRate - MinimumRate) * (1 + Math.Cos(Math.PI * step / steps)) / 2;

    /// <inheritdoc />
    protected override string Describe() => string.Create(CultureInfo.InvariantCulture, $"cosine annealing to {MinimumRate:G3}");
}
