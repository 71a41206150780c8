using CnnMl.Data;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// The exponential learning-rate range test (Smith 2015, "Cyclical Learning Rates for Training Neural Networks";
/// fastai's <c>LRFinder</c>): train for a few steps with the rate rising geometrically, record the loss at each
/// rate and its exponential moving average, and stop once that average diverges.
/// </summary>
internal static class LearningRateRangeTest
{
    /// <summary>
    /// Trains <paramref name="network"/> (which the caller throws away afterwards) at the rising rates, one
    /// <see cref="TrainingStep"/> per batch, passing over <paramref name="batches"/> as often as the steps need.
    /// </summary>
    /// <returns>The curve and whether it stopped on divergence.</returns>
    public static (IReadOnlyList<LearningRatePoint> Curve, bool Diverged) Run(nn.Module<Tensor, Tensor> network, IExampleBatches batches,
        TrainingControls controls, TrainingStep step, LearningRateFinderOptions finder, BackboneFreezing? freezing, CancellationToken cancellation)
    {
        using var optimizer = controls.CreateOptimizer(network.parameters());
        network.train();
        var pass = 0;
        IEnumerator<ExampleBatch>? pending = null;
        try
        {
            return Record(finder, rate =>
            {
                cancellation.ThrowIfCancellationRequested();
                if (pending is null || !pending.MoveNext())
                {
                    // A new pass (reshuffled) when the data holds fewer batches than the test takes, as fastai runs more epochs.
                    if (pending is not null) pass++;
                    pending?.Dispose();
                    batches.BeginPass();
                    pending = batches.Batches(cancellation).GetEnumerator();
                    if (!pending.MoveNext()) throw new InvalidOperationException("The training data yielded no batch.");
                }
                freezing?.BeforeBatch(0);
                TrainingControls.SetLearningRate(optimizer, rate);
                return step.Run(optimizer, controls, pass, pending.Current).Loss;
            });
        }
        finally
        {
            pending?.Dispose();
            freezing?.Release();
        }
    }

    /// <summary>
    /// The test's bookkeeping: calls <paramref name="trainAt"/> with each step's rate and smooths the losses it
    /// returns (fastai's <c>AvgSmoothLoss</c>), until the steps run out, a loss is not finite, or the smoothed loss
    /// exceeds <see cref="LearningRateFinderOptions.DivergenceFactor"/> times its lowest value (that step is kept).
    /// </summary>
    internal static (IReadOnlyList<LearningRatePoint> Curve, bool Diverged) Record(LearningRateFinderOptions finder, Func<double, double> trainAt)
    {
        var curve = new List<LearningRatePoint>(finder.Steps);
        double average = 0, lowest = double.PositiveInfinity, correction = 1;
        for (var i = 0; i < finder.Steps; i++)
        {
            var rate = finder.LearningRateAt(i);
            var loss = trainAt(rate);
            if (!double.IsFinite(loss)) return (curve, true);
            // A moving average from 0, divided by 1 − β^t so that early values are averages of the losses seen.
            average = finder.Smoothing * average + (1 - finder.Smoothing) * loss;
            correction *= finder.Smoothing;
            var smoothed = average / (1 - correction);
            curve.Add(new LearningRatePoint(i, rate, loss, smoothed));
            lowest = Math.Min(lowest, smoothed);
            if (finder.StopOnDivergence && smoothed > finder.DivergenceFactor * lowest) return (curve, true);
        }
        return (curve, false);
    }
}
