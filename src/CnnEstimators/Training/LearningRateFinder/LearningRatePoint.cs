namespace CnnMl.Training;

/// <summary>One step of the learning-rate range test.</summary>
/// <param name="Step">The step, from 0.</param>
/// <param name="LearningRate">The rate the step trained at.</param>
/// <param name="Loss">The batch's training loss, computed before the step's update.</param>
/// <param name="SmoothedLoss">The exponentially smoothed loss up to this step, bias-corrected (what the suggestions read).</param>
public sealed record LearningRatePoint(int Step, double LearningRate, double Loss, double SmoothedLoss);
