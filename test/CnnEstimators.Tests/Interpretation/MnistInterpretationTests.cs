using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Interpretation;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Interpretation;

/// <summary>Top losses, confused pairs and Grad-CAM on the seed CNN trained for one epoch on 6,000 MNIST images (91.1% on the first 2,000 test images).</summary>
[TestClass]
public sealed class MnistInterpretationTests
{
    private static MLContext _ml = null!;
    private static CnnTransformer _model = null!;
    private static IDataView _test = null!;

    [ClassInitialize]
    public static void Train(TestContext context)
    {
        _ml = new MLContext(seed: 1);
        var dir = TestPaths.RequireMnist();
        var options = new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.MnistCnn, Epochs = 1, BatchSize = 64, ReportEveryBatches = 0, NumberOfThreads = 1, Scoring = { NumberOfThreads = 1 },
        };
        _model = _ml.MulticlassClassification.Trainers.Cnn(options).Fit(_ml.Data.LoadMnist(dir, MnistSplit.Train, 6000));
        _test = _ml.Data.TakeRows(_ml.Data.LoadMnist(dir, MnistSplit.Test), 2000);
    }

    [ClassCleanup]
    public static void Dispose() => _model?.Dispose();

    private static float[][] Images(IDataView data) => data.GetColumn<VBuffer<float>>("Image").Select(v => v.DenseValues().ToArray()).ToArray();

    [TestMethod]
    public void TheInterpretationAgreesWithMlNetsConfusionMatrix()
    {
        var scored = _model.Transform(_test);
        var interpretation = ClassificationInterpretation.FromScoredData(scored);
        var metrics = _ml.MulticlassClassification.Evaluate(scored);
        Assert.AreEqual(2000, interpretation.ExampleCount);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(d => d.ToString()).ToArray(), interpretation.ClassNames.ToArray());
        for (var actual = 0; actual < 10; actual++)
        {
            for (var predicted = 0; predicted < 10; predicted++)
                Assert.AreEqual((long)metrics.ConfusionMatrix.Counts[actual][predicted], interpretation.ConfusionCount(actual, predicted), $"{actual} → {predicted}");
        }
        var errors = (long)Math.Round((1 - metrics.MicroAccuracy) * 2000);
        var pairs = interpretation.MostConfused();
        Assert.AreEqual(errors, pairs.Sum(p => p.Count));
        Assert.IsTrue(pairs.Zip(pairs.Skip(1)).All(p => p.First.Count >= p.Second.Count));

        // The worst examples: each a mistake, losses falling, each loss −ln of the score the model gave the true class.
        var top = interpretation.TopLosses(9);
        var scores = scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        var labels = scored.GetColumn<uint>("Label").ToArray();
        Assert.IsTrue(top.All(t => t.ActualClass != t.PredictedClass), "the nine highest losses are mistakes");
        Assert.IsTrue(top.Zip(top.Skip(1)).All(p => p.First.Loss >= p.Second.Loss));
        var worst = Enumerable.Range(0, 2000).Max(i => -Math.Log(scores[i][labels[i] - 1]));
        Assert.AreEqual(worst, top[0].Loss);
        foreach (var t in top)
        {
            Assert.AreEqual(labels[t.Row] - 1, (uint)t.ActualClass);
            Assert.AreEqual(scores[t.Row][t.ActualClass], t.ActualProbability);
            Assert.AreEqual(scores[t.Row].Max(), t.PredictedProbability);
        }
        Console.WriteLine($"accuracy {metrics.MicroAccuracy:P2}; most confused: {string.Join(", ", pairs.Take(3).Select(p => $"{p.ActualLabel}→{p.PredictedLabel} {p.Count}"))}; " +
                          $"worst: {string.Join(", ", top.Take(3).Select(t => $"row {t.Row} {t.ActualLabel}→{t.PredictedLabel} {t.Loss:F2}"))}");
    }

    [TestMethod]
    public void GradCamMapsHaveTheInputsSizeAndExplainThePrediction()
    {
        var rows = _ml.Data.TakeRows(_test, 16);
        var images = Images(rows);
        var scores = _model.Transform(rows).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        var gradCam = GradCam.For(_model);
        Assert.AreEqual("conv3", gradCam.TargetLayer);
        Assert.AreEqual(CnnArchitectures.MnistCnn, gradCam.ModelName);
        var maps = gradCam.Compute(images);
        var hiRes = GradCam.For(_model, method: CamMethod.HiResCam).Compute(images);
        Assert.HasCount(16, maps);
        for (var i = 0; i < maps.Count; i++)
        {
            foreach (var map in new[] { maps[i], hiRes[i] })
            {
                Assert.AreEqual(28, map.Height);
                Assert.AreEqual(28, map.Width);
                Assert.HasCount(784, map.Values);
                Assert.IsTrue(map.Values.All(v => v is >= 0 and <= 1), $"image {i}");
                // Scaled to [0, 1]: the strongest pixel is 1, unless no region counts for the class (all 0).
                Assert.IsTrue(map.Values.Max() is 0 or 1, $"image {i}: largest value {map.Values.Max()}");
                var predicted = Array.IndexOf(scores[i], scores[i].Max());
                Assert.AreEqual(predicted, map.PredictedClass, $"image {i}");
                Assert.AreEqual(predicted, map.TargetClass, $"image {i}");
                Assert.AreEqual(scores[i][predicted], map.PredictedProbability, 1e-5f, $"image {i}");
            }
        }
        // mnist-cnn flattens its 64×7×7 map into the classifier: Grad-CAM's per-channel means of position-specific
        // weights cancel, and 13 of these 16 maps come out empty; HiResCAM, which keeps the positions, leaves none empty.
        Assert.AreEqual(13, maps.Count(m => m.Values.Max() == 0));
        Assert.AreEqual(0, hiRes.Count(m => m.Values.Max() == 0));

        // Explaining another class: the second most likely class has its own map.
        var second = scores[0].Select((s, c) => (s, c)).OrderByDescending(x => x.s).ElementAt(1).c;
        var other = GradCam.For(_model, method: CamMethod.HiResCam).Compute(images[0], second);
        Assert.AreEqual(second, other.TargetClass);
        Assert.IsFalse(hiRes[0].Values.SequenceEqual(other.Values), "the second class has its own map");
    }
}
