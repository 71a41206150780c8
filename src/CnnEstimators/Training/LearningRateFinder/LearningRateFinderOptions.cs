namespace CnnMl.Training;

/// <summary>
/// Settings of the learning-rate range test (<see cref="CnnTrainer.FindLearningRate"/>). The defaults are fastai's
/// <c>lr_find</c>: 100 steps from 1e-7 towards 10, stopping when the smoothed loss exceeds four times its minimum.
/// </summary>
public sealed class LearningRateFinderOptions
{
    /// <summary>The rate of the first step. Default 1e-7.</summary>
    public double StartLearningRate { get; set; } = 1e-7;

    /// <summary>
    /// The rate the range rises towards: step i of N trains at Start · (End / Start)^(i / N), so the last step's rate
    /// is one step short of End, as in fastai. Default 10.
    /// </summary>
    public double EndLearningRate { get; set; } = 10;

    /// <summary>Steps (batches) in the test, at least 10. Default 100. More passes over the data are made when it holds fewer batches.</summary>
    public int Steps { get; set; } = 100;

    /// <summary>Stop once the smoothed loss exceeds <see cref="DivergenceFactor"/> times its lowest value so far. Default true.</summary>
    public bool StopOnDivergence { get; set; } = true;

    /// <summary>How far above its minimum the smoothed loss may rise before the test stops, above 1. Default 4 (fastai's).</summary>
    public double DivergenceFactor { get; set; } = 4;

    /// <summary>
    /// β of the exponential moving average of the loss, in [0, 1): smoothed = avg / (1 − β^t) with
    /// avg = β · avg + (1 − β) · loss, the bias correction that makes early values averages of the losses seen.
    /// Default 0.98 (fastai's).
    /// </summary>
    public double Smoothing { get; set; } = 0.98;

    /// <summary>The rate of step <paramref name="step"/> (0-based): Start · (End / Start)^(step / Steps).</summary>
    public double LearningRateAt(int step) => StartLearningRate * Math.Pow(EndLearningRate / StartLearningRate, (double)step / Steps);

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    internal void Validate()
    {
        if (!double.IsFinite(StartLearningRate) || StartLearningRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(StartLearningRate), StartLearningRate, $"StartLearningRate must be a positive number; it is {StartLearningRate}.");
        if (!double.IsFinite(EndLearningRate) || EndLearningRate <= StartLearningRate)
            throw new ArgumentOutOfRangeException(nameof(EndLearningRate), EndLearningRate,
                $"EndLearningRate must be a finite number above StartLearningRate ({StartLearningRate}); it is {EndLearningRate}.");
        if (Steps < MinimumSteps)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps,
                $"Steps must be at least {MinimumSteps} (the suggestions leave out the first tenth and the last 5 steps); it is {Steps}.");
        if (!(DivergenceFactor > 1) || double.IsPositiveInfinity(DivergenceFactor))
            throw new ArgumentOutOfRangeException(nameof(DivergenceFactor), DivergenceFactor, $"DivergenceFactor must be a finite number above 1; it is {DivergenceFactor}.");
        if (!(Smoothing >= 0 && Smoothing < 1))
            throw new ArgumentOutOfRangeException(nameof(Smoothing), Smoothing, $"Smoothing must be in [0, 1); it is {Smoothing}.");
    }

    private const int MinimumSteps = 10;
}
