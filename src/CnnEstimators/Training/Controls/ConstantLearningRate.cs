namespace CnnMl.Training;

/// <summary>The base learning rate at every step (after any warm-up): PyTorch without a scheduler, or <c>ConstantLR(factor=1)</c>.</summary>
public sealed class ConstantLearningRate : LearningRateSchedule
{
    /// <inheritdoc />
    protected override double Scheduled(long step, long steps, int stepsPerEpoch, double baseRate) => baseRate;

    /// <inheritdoc />
    protected override string Describe() => "constant learning rate";
}
