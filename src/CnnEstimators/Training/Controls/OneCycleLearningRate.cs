using System.Globalization;

namespace CnnMl.Training;

/// <summary>
/// The one-cycle policy with the base learning rate as its peak: PyTorch's <c>OneCycleLR(max_lr = base,
/// total_steps, pct_start, anneal_strategy='cos', div_factor, final_div_factor, three_phase=False)</c>. The rate rises
/// by cosine from base / div_factor to base over the first pct_start of the steps, then falls by cosine to
/// base / (div_factor × final_div_factor) at the last step. Momentum is not cycled (<c>cycle_momentum=False</c>).
/// </summary>
public sealed class OneCycleLearningRate : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="percentStart">Fraction of the steps spent rising (<c>pct_start</c>), in (0, 1). Default 0.3.</param>
    /// <param name="divFactor">Initial rate = base / divFactor (<c>div_factor</c>), at least 1. Default 25.</param>
    /// <param name="finalDivFactor">Final rate = initial / finalDivFactor (<c>final_div_factor</c>), at least 1. Default 1e4.</param>
    public OneCycleLearningRate(double percentStart = 0.3, double divFactor = 25, double finalDivFactor = 1e4)
    {
        if (!(percentStart > 0 && percentStart < 1)) throw new ArgumentOutOfRangeException(nameof(percentStart), percentStart, "percentStart must be in (0, 1).");
        if (!(divFactor >= 1) || double.IsInfinity(divFactor)) throw new ArgumentOutOfRangeException(nameof(divFactor), divFactor, "divFactor must be a finite number, at least 1.");
        if (!(finalDivFactor >= 1) || double.IsInfinity(finalDivFactor)) throw new ArgumentOutOfRangeException(nameof(finalDivFactor), finalDivFactor, "finalDivFactor must be a finite number, at least 1.");
        PercentStart = percentStart;
        DivFactor = divFactor;
        FinalDivFactor = finalDivFactor;
    }

    /// <summary>Fraction of the steps spent rising.</summary>
    public double PercentStart { get; }

    /// <summary>Peak rate / initial rate.</summary>
    public double DivFactor { get; }

    /// <summary>Initial rate / final rate.</summary>
    public double FinalDivFactor { get; }

    /// <inheritdoc />
    protected override double Scheduled(long step, long steps, int stepsPerEpoch, double baseRate)
    {
        var initial = baseRate / DivFactor;
        var final = initial / FinalDivFactor;
        // PyTorch's phase boundaries: end of the rise at float(pct_start × total) − 1, end of the fall at total − 1.
        var riseEnd = PercentStart * steps - 1;
        var fallEnd = steps - 1.0;
        // (PyTorch divides by zero when pct_start × total = 1; the rise's first step is then its start.)
        if (step <= riseEnd) return Cosine(initial, baseRate, riseEnd > 0 ? step / riseEnd : 0);
        return Cosine(baseRate, final, (step - riseEnd) / (fallEnd - riseEnd));
    }

    /// <summary>PyTorch's <c>_annealing_cos</c>: from <paramref name="start"/> at 0 to <paramref name="end"/> at 1.</summary>
    private static double Cosine(double start, double end, double fraction) => end + (start - end) / 2 * (Math.Cos(Math.PI * fraction) + 1);

    /// <inheritdoc />
    protected override string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"one-cycle (rise {PercentStart:P0}, div {DivFactor:G3}, final div {FinalDivFactor:G3})");
}
