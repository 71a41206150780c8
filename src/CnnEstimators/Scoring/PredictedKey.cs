namespace CnnMl.Scoring;

/// <summary>The predicted-label key of one row's scores.</summary>
internal static class PredictedKey
{
    /// <summary>The key (arg-max slot + 1), or 0, ML.NET's missing key, when a score is NaN: a row whose
    /// scores are not numbers has no predicted class, never a real one.</summary>
    public static uint FromScores(ReadOnlySpan<float> scores)
    {
        var best = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (float.IsNaN(scores[i])) return 0;
            if (scores[i] > scores[best]) best = i;
        }
        return (uint)best + 1;
    }
}
