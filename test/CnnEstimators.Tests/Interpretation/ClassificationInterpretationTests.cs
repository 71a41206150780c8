using CnnMl.Interpretation;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Interpretation;

/// <summary>Top losses and most-confused pairs on ten hand-made scored rows, checked against values worked out by hand.</summary>
[TestClass]
public sealed class ClassificationInterpretationTests
{
    private static readonly string[] Classes = ["cat", "dog", "bird"];

    private sealed class Row
    {
        public string Name { get; set; } = "";

        [VectorType(3)]
        public float[] Score { get; set; } = [];
    }

    private sealed class ClassName
    {
        public string Name { get; set; } = "";
    }

    /// <summary>Label key values cat, dog, bird (keys 1–3) mapped from the names; a name outside them is the missing key 0.</summary>
    private static IDataView Scored(MLContext ml, params (string Name, float[] Score)[] rows)
    {
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Name = r.Name, Score = r.Score }).ToArray());
        var keys = ml.Data.LoadFromEnumerable(Classes.Select(c => new ClassName { Name = c }).ToArray());
        return ml.Transforms.Conversion.MapValueToKey("Label", "Name", keyData: keys).Fit(data).Transform(data);
    }

    private static IDataView TenRows(MLContext ml) => Scored(ml,
        ("cat", [0.7f, 0.2f, 0.1f]),        // 0: right, loss −ln 0.7
        ("dog", [0.6f, 0.3f, 0.1f]),        // 1: dog taken for cat, −ln 0.3
        ("bird", [0.05f, 0.9f, 0.05f]),     // 2: bird taken for dog, −ln 0.05
        ("fish", [0.2f, 0.3f, 0.5f]),       // 3: no label (missing key): left out
        ("dog", [0.2f, 0.5f, 0.3f]),        // 4: right, −ln 0.5
        ("cat", [0.1f, 0.1f, 0.8f]),        // 5: cat taken for bird, −ln 0.1
        ("bird", [0.3f, 0.3f, 0.4f]),       // 6: right, −ln 0.4
        ("cat", [float.NaN, float.NaN, float.NaN]), // 7: scores not finite: left out
        ("dog", [0.6f, 0.3f, 0.1f]),        // 8: as row 1 (ties with it)
        ("cat", [0.1f, 0.45f, 0.45f]));     // 9: tie between dog and bird: the first (dog) is predicted; −ln 0.1 ties with row 5

    [TestMethod]
    public void TopLossesAreTheHighestCrossEntropiesWithTiesInRowOrder()
    {
        var interpretation = ClassificationInterpretation.FromScoredData(TenRows(new MLContext(seed: 1)));
        Assert.AreEqual(8, interpretation.ExampleCount);
        Assert.AreEqual(2, interpretation.SkippedRows);
        CollectionAssert.AreEqual(Classes, interpretation.ClassNames.ToArray());

        var top = interpretation.TopLosses(4);
        Assert.HasCount(4, top);
        (long Row, string Actual, string Predicted, float ActualP, float PredictedP, double Loss)[] expected =
        [
            (2, "bird", "dog", 0.05f, 0.9f, 2.995732273553991),
            (5, "cat", "bird", 0.1f, 0.8f, 2.302585092994046),
            (9, "cat", "dog", 0.1f, 0.45f, 2.302585092994046),
            (1, "dog", "cat", 0.3f, 0.6f, 1.203972804325936),
        ];
        for (var i = 0; i < expected.Length; i++)
        {
            var (row, label, guess, labelP, guessP, loss) = expected[i];
            Assert.AreEqual(row, top[i].Row, $"rank {i}");
            Assert.AreEqual(label, top[i].ActualLabel, $"rank {i}");
            Assert.AreEqual(Array.IndexOf(Classes, label), top[i].ActualClass, $"rank {i}");
            Assert.AreEqual(guess, top[i].PredictedLabel, $"rank {i}");
            Assert.AreEqual(Array.IndexOf(Classes, guess), top[i].PredictedClass, $"rank {i}");
            Assert.AreEqual(labelP, top[i].ActualProbability, $"rank {i}");
            Assert.AreEqual(guessP, top[i].PredictedProbability, $"rank {i}");
            // The probabilities are float32: −ln of the stored float, within its rounding (≤ 3e-8 relative).
            Assert.AreEqual(loss, top[i].Loss, 1e-6, $"rank {i}");
        }

        // Asking for more than there are gives all eight, the correct ones last (row 0's −ln 0.7 the lowest).
        var all = interpretation.TopLosses(100);
        CollectionAssert.AreEqual(new long[] { 2, 5, 9, 1, 8, 6, 4, 0 }, all.Select(t => t.Row).ToArray());
        Assert.AreEqual(0.356674943938732, all[^1].Loss, 1e-6);
    }

    [TestMethod]
    public void MostConfusedRanksPairsByCountThenByClassIndex()
    {
        var interpretation = ClassificationInterpretation.FromScoredData(TenRows(new MLContext(seed: 1)));
        var pairs = interpretation.MostConfused();
        CollectionAssert.AreEqual(
            new[] { ("dog", "cat", 2L), ("cat", "dog", 1L), ("cat", "bird", 1L), ("bird", "dog", 1L) },
            pairs.Select(p => (p.ActualLabel, p.PredictedLabel, p.Count)).ToArray());
        CollectionAssert.AreEqual(new[] { (1, 0), (0, 1), (0, 2), (2, 1) }, pairs.Select(p => (p.ActualClass, p.PredictedClass)).ToArray());
        Assert.HasCount(1, interpretation.MostConfused(minimumCount: 2));
        Assert.IsEmpty(interpretation.MostConfused(minimumCount: 3));

        // The whole confusion matrix: rows actual, columns predicted.
        long[,] expected = { { 1, 1, 1 }, { 2, 1, 0 }, { 0, 1, 1 } };
        for (var a = 0; a < 3; a++)
        {
            for (var p = 0; p < 3; p++) Assert.AreEqual(expected[a, p], interpretation.ConfusionCount(a, p), $"actual {Classes[a]}, predicted {Classes[p]}");
        }
    }

    [TestMethod]
    public void BadColumnsAndArgumentsAreNamed()
    {
        var ml = new MLContext(seed: 1);
        var scored = TenRows(ml);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ClassificationInterpretation.FromScoredData(scored, scoreColumnName: "Probabilities")).Message,
            "no score column 'Probabilities'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ClassificationInterpretation.FromScoredData(scored, labelColumnName: "Name")).Message,
            "Label column 'Name' is String; it must be a key");
        var twoScores = ml.Transforms.CopyColumns("Label2", "Label").Fit(scored).Transform(scored);
        var wrongSize = ml.Data.LoadFromEnumerable(new[] { new Row { Name = "cat", Score = [1, 0, 0] } });
        var withKey = ml.Transforms.Conversion.MapValueToKey("Label", "Name").Fit(wrongSize).Transform(wrongSize);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ClassificationInterpretation.FromScoredData(withKey)).Message,
            "has 3 values per row; label column 'Label' has 1 classes");
        var interpretation = ClassificationInterpretation.FromScoredData(twoScores, "Label2");
        Assert.AreEqual(8, interpretation.ExampleCount);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => interpretation.TopLosses(0)).Message, "count is 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => interpretation.MostConfused(0)).Message, "minimumCount must be at least 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => interpretation.ConfusionCount(3, 0)).Message, "[0, 3)");
    }
}
