using System.Globalization;

namespace CnnMl.Training;

/// <summary>
/// Multiplies the learning rate by <see cref="Gamma"/> every <see cref="StepSizeEpochs"/> epochs: PyTorch's
/// <c>StepLR(step_size, gamma)</c> stepped once per epoch. Rate at step t = base × gamma^⌊t / (step size × batches per epoch)⌋.
/// </summary>
public sealed class StepLearningRate : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="stepSizeEpochs">Epochs between decays (<c>step_size</c>), at least 1.</param>
    /// <param name="gamma">Factor applied at each decay, in (0, 1]. Default 0.1, PyTorch's.</param>
    public StepLearningRate(int stepSizeEpochs, double gamma = 0.1)
    {
        if (stepSizeEpochs < 1) throw new ArgumentOutOfRangeException(nameof(stepSizeEpochs), stepSizeEpochs, "The step size must be at least 1 epoch.");
        if (!(gamma > 0 && gamma <= 1)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Gamma must be in (0, 1].");
        StepSizeEpochs = stepSizeEpochs;
        Gamma = gamma;
    }

    /// <summary>Epochs between decays.</summary>
    public int StepSizeEpochs { get; }

    /// <summary>Factor applied at each decay.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    protected override double Scheduled(long step, long steps, int stepsPerEpoch, double baseRate) =>
        baseRate * Math.Pow(Gamma, step / ((long)StepSizeEpochs * stepsPerEpoch));

    /// <inheritdoc />
    protected override string Describe() => string.Create(CultureInfo.InvariantCulture, $"step decay ×{Gamma:G3} every {StepSizeEpochs} epoch(s)");
}
