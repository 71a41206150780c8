using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Persistence;

/// <summary>Every row's Score vector and PredictedLabel key, and ML.NET's multiclass metrics, of a scored IDataView.</summary>
internal sealed record ScoredRows(List<float[]> Scores, List<uint> PredictedKeys, MulticlassClassificationMetrics Metrics)
{
    public static ScoredRows Read(MLContext ml, IDataView scored, string label = "Label")
    {
        var scores = new List<float[]>();
        var keys = new List<uint>();
        var score = scored.Schema["Score"];
        var predicted = scored.Schema["PredictedLabel"];
        using (var cursor = scored.GetRowCursor([score, predicted]))
        {
            var scoreGetter = cursor.GetGetter<VBuffer<float>>(score);
            var keyGetter = cursor.GetGetter<uint>(predicted);
            var vector = default(VBuffer<float>);
            uint key = 0;
            while (cursor.MoveNext())
            {
                scoreGetter(ref vector);
                keyGetter(ref key);
                scores.Add(vector.DenseValues().ToArray());
                keys.Add(key);
            }
        }
        return new ScoredRows(scores, keys, ml.MulticlassClassification.Evaluate(scored, label));
    }

    /// <summary>The largest per-slot Score difference against other rows of the same data.</summary>
    public static float LargestDifference(IReadOnlyList<float[]> expected, IReadOnlyList<float[]> actual)
    {
        Assert.HasCount(expected.Count, actual);
        var worst = 0f;
        for (var row = 0; row < expected.Count; row++)
        {
            Assert.HasCount(expected[row].Length, actual[row], $"row {row}: Score lengths differ");
            for (var slot = 0; slot < expected[row].Length; slot++)
                worst = MathF.Max(worst, MathF.Abs(expected[row][slot] - actual[row][slot]));
        }
        return worst;
    }

    /// <summary>Rows whose predicted keys differ.</summary>
    public static int[] DifferentPredictions(IReadOnlyList<uint> expected, IReadOnlyList<uint> actual)
    {
        Assert.HasCount(expected.Count, actual);
        return Enumerable.Range(0, expected.Count).Where(i => expected[i] != actual[i]).ToArray();
    }
}
