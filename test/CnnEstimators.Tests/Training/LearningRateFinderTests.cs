using System.Text.Json;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Inspection;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.Training;

/// <summary>
/// The learning-rate range test: its curve (geometric rates, fastai's smoothing, the divergence stop), fastai's
/// suggestion rules on a hand-made curve, and that it leaves the trainer as it found it.
/// </summary>
[TestClass]
public sealed class LearningRateFinderTests
{
    private static IDataView Mnist(MLContext ml, int images) => ml.Data.LoadMnist(TestPaths.RequireMnist(), MnistSplit.Train, images);

    private static CnnTrainerOptions SmallRun(int batchSize = 16) => new()
    {
        Architecture = CnnArchitectures.MnistCnn,
        Epochs = 1,
        BatchSize = batchSize,
        ReportEveryBatches = 0,
        NumberOfThreads = 1,
    };

    [TestMethod]
    public void TheCurveRisesGeometricallyWithFastaisSmoothingUntilTheLossDiverges()
    {
        var ml = new MLContext(seed: 1);
        // 1,280 images in batches of 64 are 20 batches: the steps take several passes.
        var found = ml.MulticlassClassification.Trainers.Cnn(SmallRun(batchSize: 64)).FindLearningRate(Mnist(ml, 1280));
        var curve = found.Curve;
        Console.WriteLine($"{curve.Count} steps, lowest smoothed {curve.Min(p => p.SmoothedLoss):F4}, last {curve[^1]}");

        var ratio = Math.Pow(10 / 1e-7, 1 / 100.0);
        double average = 0, lowest = double.PositiveInfinity;
        for (var i = 0; i < curve.Count; i++)
        {
            Assert.AreEqual(i, curve[i].Step);
            Assert.AreEqual(1e-7 * Math.Pow(ratio, i), curve[i].LearningRate, 1e-12 * curve[i].LearningRate, $"rate of step {i}");
            if (i > 0) Assert.IsGreaterThan(curve[i - 1].LearningRate, curve[i].LearningRate);
            Assert.IsTrue(double.IsFinite(curve[i].Loss) && double.IsFinite(curve[i].SmoothedLoss), $"step {i}: {curve[i]}");
            // fastai's AvgSmoothLoss, recomputed from the raw losses.
            average = 0.98 * average + 0.02 * curve[i].Loss;
            Assert.AreEqual(average / (1 - Math.Pow(0.98, i + 1)), curve[i].SmoothedLoss, 1e-12, $"smoothed loss of step {i}");
            lowest = Math.Min(lowest, curve[i].SmoothedLoss);
            if (i < curve.Count - 1) Assert.IsLessThanOrEqualTo(4 * lowest, curve[i].SmoothedLoss, $"step {i} should have stopped the test");
        }
        // Stopped early exactly when the last step's smoothed loss passed 4 × the lowest.
        Assert.AreEqual(found.StoppedOnDivergence, curve.Count < 100);
        Assert.AreEqual(found.StoppedOnDivergence, curve[^1].SmoothedLoss > 4 * lowest);
        // At rates near 1e-7 the weights do not move: the loss is the untrained network's, near ln 10; then it learns.
        Assert.AreEqual(Math.Log(10), curve[0].Loss, 0.1);
        Assert.IsLessThan(2.0, lowest, "the network learned during the test (an untrained one stays near 2.3)");

        var window = curve.Skip(10).Take(curve.Count - 15).ToArray();
        Assert.AreEqual(window.MinBy(p => p.SmoothedLoss)!.LearningRate, found.LowestLossLearningRate);
        Assert.AreEqual(Math.Min(found.SteepestLearningRate, found.LowestLossLearningRate / 10), found.SuggestedLearningRate);
        Assert.AreEqual(CnnArchitectures.MnistCnn, found.Architecture);
        Assert.AreEqual(64, found.BatchSize);
    }

    [TestMethod]
    public void TheStopRuleAndTheSmoothingFollowFastai()
    {
        (IReadOnlyList<LearningRatePoint> Curve, bool Diverged) Record(LearningRateFinderOptions options, params double[] losses)
        {
            var step = 0;
            return LearningRateRangeTest.Record(options, rate =>
            {
                Assert.AreEqual(options.LearningRateAt(step), rate);
                return losses[step++];
            });
        }

        // Without smoothing the smoothed loss is the loss: the lowest is 1 (step 2); 3.9 stays under 4 × 1, 4.1 stops the test.
        var (curve, diverged) = Record(new LearningRateFinderOptions { Smoothing = 0, Steps = 10 }, 3, 2, 1, 2, 3.9, 4.1, 1, 1, 1, 1);
        Assert.IsTrue(diverged);
        CollectionAssert.AreEqual(new[] { 3, 2, 1, 2, 3.9, 4.1 }, curve.Select(p => p.SmoothedLoss).ToArray());
        // Without the stop every step is recorded.
        (curve, diverged) = Record(new LearningRateFinderOptions { Smoothing = 0, Steps = 10, StopOnDivergence = false }, 3, 2, 1, 2, 3.9, 4.1, 1, 1, 1, 1);
        Assert.IsFalse(diverged);
        Assert.HasCount(10, curve);
        // A loss that is not finite ends the test and is not recorded.
        (curve, diverged) = Record(new LearningRateFinderOptions { Steps = 10 }, 2.3, 2.2, double.NaN);
        Assert.IsTrue(diverged);
        Assert.HasCount(2, curve);
        // β = 0.5: averages 2, 2, 1.5 from 0, divided by 1 − 0.5^t: 4, 8/3, 12/7.
        (curve, _) = Record(new LearningRateFinderOptions { Smoothing = 0.5, Steps = 10 }, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1);
        Assert.AreEqual(4, curve[0].SmoothedLoss, 1e-15);
        Assert.AreEqual(8 / 3.0, curve[1].SmoothedLoss, 1e-15);
        Assert.AreEqual(12 / 7.0, curve[2].SmoothedLoss, 1e-15);
        Assert.AreEqual(1, curve[2].Loss);
    }

    [TestMethod]
    public void TheTrainerIsLeftAsItWas()
    {
        // A later Fit trains exactly the weights it trains without the test, although the test trained a network
        // from the same start: the test draws no seed from the trainer's stream and changes no option.
        var data = Mnist(new MLContext(seed: 1), 320);
        string FitDigest(CnnTrainer trainer)
        {
            using var model = trainer.Fit(data);
            return WeightsDigest.Sha256(model.Module);
        }

        var untouched = FitDigest(new MLContext(seed: 7).MulticlassClassification.Trainers.Cnn(SmallRun()));
        var trainer = new MLContext(seed: 7).MulticlassClassification.Trainers.Cnn(SmallRun());
        var found = trainer.FindLearningRate(data, new LearningRateFinderOptions { Steps = 30 });
        Assert.AreNotEqual(found.Curve[0].Loss, found.Curve[^1].Loss, "the test trained");
        Assert.AreEqual(1e-3, trainer.Options.Optimizer.LearningRate);
        Assert.IsNull(trainer.Options.Seed);
        Assert.AreEqual(untouched, FitDigest(trainer));
    }

    [TestMethod]
    public void SuggestionsReadTheSmoothedCurveAsFastaiDoes()
    {
        // 30 steps: fastai reads steps 3 to 24 (from Steps / 10, leaving out the last 5). The loss is flat until step 9,
        // falls fastest from step 11 to 12, is lowest at step 20, then rises; steps 25–29 (left out) are the lowest of all.
        double[] smoothed = [2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.2, 2.0, 1.5, 1.2, 1.0, 0.9, 0.8, 0.75, 0.7, 0.65,
            0.6, 0.7, 0.9, 1.4, 2.0, 0.1, 0.1, 0.1, 0.1, 0.1];
        var rates = new LearningRateFinderOptions { Steps = 30 };
        var curve = smoothed.Select((s, i) => new LearningRatePoint(i, rates.LearningRateAt(i), s, s)).ToArray();
        var window = LearningRateSuggestions.Window(curve, 30)!;
        CollectionAssert.AreEqual(Enumerable.Range(3, 22).ToArray(), window.Select(p => p.Step).ToArray());
        Assert.AreEqual(curve[11].LearningRate, LearningRateSuggestions.Steepest(window));
        Assert.AreEqual(curve[20].LearningRate, LearningRateSuggestions.LowestLoss(window));
        // valley: the longest decreasing run ends at step 20 with length 12, so fastai's start is window index
        // 17 − 12 = 5 (step 8); a third of the 12 steps is 4: index 5 + 4 + 2 = 11, step 14.
        Assert.AreEqual(curve[14].LearningRate, LearningRateSuggestions.Valley(window));
        // Too few steps left to read: no window.
        Assert.IsNull(LearningRateSuggestions.Window(curve.Take(9).ToArray(), 30));
    }

    [TestMethod]
    public void TheResultIsJsonWithTheCurve()
    {
        var result = new LearningRateFinderResult
        {
            Architecture = "mnist-cnn", Optimizer = "Adam lr 0.001", BatchSize = 64, SuggestedLearningRate = 3e-3, SteepestLearningRate = 3e-3,
            LowestLossLearningRate = 0.05, ValleyLearningRate = 8e-4, StoppedOnDivergence = true,
            Curve = [new LearningRatePoint(0, 1e-7, 2.30, 2.30), new LearningRatePoint(1, 1.2e-7, 2.29, 2.295)],
        };
        var json = result.ToJson();
        using var document = JsonDocument.Parse(json);
        Assert.AreEqual(3e-3, document.RootElement.GetProperty("suggestedLearningRate").GetDouble());
        var point = document.RootElement.GetProperty("curve")[1];
        Assert.AreEqual(1.2e-7, point.GetProperty("learningRate").GetDouble());
        Assert.AreEqual(2.29, point.GetProperty("loss").GetDouble());
        Assert.AreEqual(2.295, point.GetProperty("smoothedLoss").GetDouble());
        var back = LearningRateFinderResult.FromJson(json);
        Assert.AreEqual(json, back.ToJson());
        CollectionAssert.AreEqual(result.Curve.ToArray(), back.Curve.ToArray());
    }

    [TestMethod]
    public void BadSettingsAreNamedWithTheirValue()
    {
        var ml = new MLContext(seed: 1);
        var trainer = ml.MulticlassClassification.Trainers.Cnn(SmallRun());
        var data = Mnist(ml, 64);
        string Message(LearningRateFinderOptions options) => Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.FindLearningRate(data, options)).Message;
        StringAssert.Contains(Message(new() { StartLearningRate = 0 }), "StartLearningRate must be a positive number; it is 0");
        StringAssert.Contains(Message(new() { EndLearningRate = 1e-8 }), "EndLearningRate must be a finite number above StartLearningRate (1E-07); it is 1E-08");
        StringAssert.Contains(Message(new() { Steps = 9 }), "Steps must be at least 10");
        StringAssert.Contains(Message(new() { DivergenceFactor = 1 }), "DivergenceFactor must be a finite number above 1; it is 1");
        StringAssert.Contains(Message(new() { Smoothing = 1 }), "Smoothing must be in [0, 1); it is 1");
    }
}
