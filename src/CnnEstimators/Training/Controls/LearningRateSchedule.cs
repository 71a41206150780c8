using System.Globalization;

namespace CnnMl.Training;

/// <summary>
/// A learning rate for every optimizer step, as a pure function of the step: what <c>torch.optim.lr_scheduler</c>
/// computes, without the scheduler's mutable state. Set <see cref="CnnTrainerOptions.Schedule"/> to one of
/// <see cref="ConstantLearningRate"/>, <see cref="StepLearningRate"/>, <see cref="CosineLearningRate"/> or
/// <see cref="OneCycleLearningRate"/>; the trainer writes the rate into every parameter group before each step.
/// </summary>
/// <remarks>
/// Steps count optimizer steps (batches) from 0 over the whole run: step = epoch × batches per epoch + batch. The
/// base rate is the optimizer's <see cref="Optimizers.CnnOptimizer.LearningRate"/>. With W warm-up steps (<see cref="WarmupSteps"/>, or
/// <see cref="WarmupEpochs"/> × batches per epoch), steps 0 … W−1 ramp
/// linearly from <see cref="WarmupStartFactor"/> × base towards base, and the schedule then runs from its own step 0
/// over the remaining steps — PyTorch's <c>SequentialLR([LinearLR(start_factor, total_iters=W), schedule], milestones=[W])</c>.
/// </remarks>
public abstract class LearningRateSchedule
{
    private readonly int _warmupSteps;
    private readonly double _warmupEpochs;
    private readonly double _warmupStartFactor = 1.0 / 3;

    /// <summary>
    /// Epochs of linear warm-up before the schedule begins (fractions allowed): round(epochs × batches per epoch)
    /// steps, at least one. Default 0 (none). Give this or <see cref="WarmupSteps"/>, not both.
    /// </summary>
    public double WarmupEpochs
    {
        get => _warmupEpochs;
        init
        {
            if (!(value >= 0 && double.IsFinite(value))) throw new ArgumentOutOfRangeException(nameof(WarmupEpochs), value, "WarmupEpochs must be 0 or more.");
            _warmupEpochs = value;
        }
    }

    /// <summary>Steps of linear warm-up before the schedule begins. Default 0 (none). Give this or <see cref="WarmupEpochs"/>, not both.</summary>
    public int WarmupSteps
    {
        get => _warmupSteps;
        init
        {
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(WarmupSteps), value, "WarmupSteps must be 0 or more.");
            _warmupSteps = value;
        }
    }

    /// <summary>
    /// The fraction of the base rate at warm-up step 0 (<c>LinearLR</c>'s <c>start_factor</c>). Default 1/3, PyTorch's.
    /// </summary>
    public double WarmupStartFactor
    {
        get => _warmupStartFactor;
        init
        {
            if (!(value > 0 && value <= 1))
                throw new ArgumentOutOfRangeException(nameof(WarmupStartFactor), value, "WarmupStartFactor must be in (0, 1] (PyTorch's LinearLR start_factor).");
            _warmupStartFactor = value;
        }
    }

    /// <summary>The learning rate for optimizer step <paramref name="step"/> (0-based).</summary>
    /// <param name="step">The step, 0 ≤ step &lt; <paramref name="totalSteps"/>.</param>
    /// <param name="totalSteps">Steps in the whole run (epochs × batches per epoch).</param>
    /// <param name="stepsPerEpoch">Batches per epoch.</param>
    /// <param name="baseRate">The base learning rate.</param>
    public double LearningRateAt(long step, long totalSteps, int stepsPerEpoch, double baseRate)
    {
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "A run has at least one step.");
        if (step < 0 || step >= totalSteps) throw new ArgumentOutOfRangeException(nameof(step), step, $"Step must be in [0, {totalSteps}).");
        if (stepsPerEpoch < 1) throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "An epoch has at least one step.");
        var warmup = WarmupStepsFor(stepsPerEpoch);
        if (step < warmup)
            return baseRate * (WarmupStartFactor + (1 - WarmupStartFactor) * step / warmup);
        return Scheduled(step - warmup, Math.Max(1, totalSteps - warmup), stepsPerEpoch, baseRate);
    }

    /// <summary>The warm-up in steps for epochs of <paramref name="stepsPerEpoch"/> batches: <see cref="WarmupSteps"/>, or <see cref="WarmupEpochs"/> converted.</summary>
    public int WarmupStepsFor(int stepsPerEpoch) =>
        WarmupEpochs > 0 ? Math.Max(1, (int)Math.Round(WarmupEpochs * stepsPerEpoch)) : WarmupSteps;

    /// <summary>Throws when both warm-up settings are given.</summary>
    internal void Validate()
    {
        if (WarmupSteps > 0 && WarmupEpochs > 0)
            throw new ArgumentException($"Schedule: give WarmupSteps ({WarmupSteps}) or WarmupEpochs ({WarmupEpochs.ToString(CultureInfo.InvariantCulture)}), not both.", nameof(CnnTrainerOptions.Schedule));
    }

    /// <summary>The schedule's rate at its own step <paramref name="step"/> of <paramref name="steps"/> (after any warm-up).</summary>
    protected abstract double Scheduled(long step, long steps, int stepsPerEpoch, double baseRate);

    /// <summary>What the schedule does, in a few words (used in the training log).</summary>
    protected abstract string Describe();

    /// <inheritdoc />
    public override string ToString() => (WarmupSteps, WarmupEpochs) switch
    {
        (0, 0) => Describe(),
        (0, _) => string.Create(CultureInfo.InvariantCulture, $"{Describe()} after {WarmupEpochs:G4} warm-up epoch(s) from {WarmupStartFactor:G3} × lr"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Describe()} after {WarmupSteps} warm-up steps from {WarmupStartFactor:G3} × lr"),
    };
}
