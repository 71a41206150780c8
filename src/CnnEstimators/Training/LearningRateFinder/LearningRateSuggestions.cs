namespace CnnMl.Training;

/// <summary>
/// fastai's suggestion functions (<c>fastai.callback.schedule</c>: <c>steep</c>, <c>minimum</c>, <c>valley</c>) on a
/// range test's smoothed losses, over the window fastai reads: from step <c>Steps / 10</c> to 5 steps before the end.
/// </summary>
internal static class LearningRateSuggestions
{
    /// <summary>Steps left out at the end: the loss there is already climbing.</summary>
    private const int SkipEnd = 5;

    /// <summary>The part of <paramref name="curve"/> the suggestions read, or null when fewer than two steps are in it.</summary>
    public static LearningRatePoint[]? Window(IReadOnlyList<LearningRatePoint> curve, int requestedSteps)
    {
        var from = requestedSteps / 10;
        var to = curve.Count - SkipEnd;
        return to - from < 2 ? null : curve.Skip(from).Take(to - from).ToArray();
    }

    /// <summary>The rate at the start of the steepest fall of the smoothed loss per unit of log-rate (the first, on ties).</summary>
    public static double Steepest(IReadOnlyList<LearningRatePoint> window)
    {
        var best = 0;
        var bestSlope = double.PositiveInfinity;
        for (var i = 0; i + 1 < window.Count; i++)
        {
            var slope = (window[i + 1].SmoothedLoss - window[i].SmoothedLoss) / (Math.Log(window[i + 1].LearningRate) - Math.Log(window[i].LearningRate));
            if (slope < bestSlope)
            {
                bestSlope = slope;
                best = i;
            }
        }
        return window[best].LearningRate;
    }

    /// <summary>The rate with the lowest smoothed loss (the first, on ties).</summary>
    public static double LowestLoss(IReadOnlyList<LearningRatePoint> window)
    {
        var best = 0;
        for (var i = 1; i < window.Count; i++)
        {
            if (window[i].SmoothedLoss < window[best].SmoothedLoss) best = i;
        }
        return window[best].LearningRate;
    }

    /// <summary>
    /// fastai's <c>valley</c>: the longest decreasing subsequence of the smoothed losses ends at the last step of the
    /// longest such run; the suggestion sits at start + ⌊length/3⌋ + ⌊length/6⌋ steps, as fastai computes it.
    /// </summary>
    public static double Valley(IReadOnlyList<LearningRatePoint> window)
    {
        var n = window.Count;
        var lengths = Enumerable.Repeat(1, n).ToArray();
        int start = 0, end = 0;
        for (var i = 1; i < n; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (window[i].SmoothedLoss < window[j].SmoothedLoss && lengths[i] < lengths[j] + 1) lengths[i] = lengths[j] + 1;
                if (lengths[end] < lengths[i])
                {
                    end = i;
                    start = end - lengths[end];
                }
            }
        }
        var sections = (end - start) / 3.0;
        var index = start + (int)sections + (int)(sections / 2);
        // fastai's start is −1 when the run begins at the first step; Python then reads from the end, and so do we.
        return window[index < 0 ? index + n : index].LearningRate;
    }
}
