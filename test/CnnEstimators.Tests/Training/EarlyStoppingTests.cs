using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.Training;

/// <summary>Early stopping: Keras's bookkeeping, and a training run whose validation gets worse every epoch.</summary>
[TestClass]
public sealed class EarlyStoppingTests
{
    [TestMethod]
    public void AccuracyMustBeatTheBestByMoreThanMinDelta()
    {
        var monitor = new EarlyStoppingMonitor(new EarlyStopping { Metric = EarlyStoppingMetric.ValidationAccuracy, Patience = 2, MinDelta = 0.01 });
        Assert.AreEqual((true, false), monitor.Update(0, 0.50, double.NaN));
        Assert.AreEqual((true, false), monitor.Update(1, 0.60, double.NaN));
        Assert.AreEqual((false, false), monitor.Update(2, 0.605, double.NaN), "0.605 − 0.01 does not beat 0.60");
        Assert.AreEqual((false, true), monitor.Update(3, 0.59, double.NaN), "second epoch without improvement: patience 2 is used up");
        Assert.AreEqual(1, monitor.BestEpoch);
        Assert.AreEqual(0.60, monitor.Best);
    }

    [TestMethod]
    public void LossMustFallAndPatienceZeroStopsAtTheFirstMiss()
    {
        var monitor = new EarlyStoppingMonitor(new EarlyStopping { Metric = EarlyStoppingMetric.ValidationLoss, Patience = 0 });
        Assert.AreEqual((true, false), monitor.Update(0, 0.1, 1.0));
        Assert.AreEqual((true, false), monitor.Update(1, 0.1, 0.9));
        Assert.AreEqual((false, true), monitor.Update(2, 0.9, 0.9), "equal is not better");
        Assert.AreEqual(1, monitor.BestEpoch);
    }

    [TestMethod]
    public void NaNNeverImproves()
    {
        var monitor = new EarlyStoppingMonitor(new EarlyStopping { Patience = 1 });
        Assert.AreEqual((false, true), monitor.Update(0, 0.5, double.NaN));
        Assert.IsNull(monitor.BestEpoch);
    }

    [TestMethod]
    public void StopsWhenValidationGetsWorseAndRestoresTheBestEpochsWeights()
    {
        // The validation set holds the training images with every label moved to the next class: the better the network
        // learns the real classes, the worse its validation loss. Epoch 1 is the best; patience 2 stops after epoch 3.
        var ml = new MLContext(seed: 1);
        var train = SyntheticImages.Create(256);
        var wrong = SyntheticImages.Create(256, relabel: c => (c + 1) % 4);
        var reports = new List<TrainingReport>();
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 10, BatchSize = 32, ValidationSet = wrong, ReportEveryBatches = 0, NumberOfThreads = 1,
            EarlyStopping = new EarlyStopping { Metric = EarlyStoppingMetric.ValidationLoss, Patience = 2 },
            Progress = new SynchronousProgress<TrainingReport>(reports.Add),
        }).Fit(train);

        var losses = reports.Where(r => r.Kind == TrainingReportKind.EpochEnd).Select(r => r.ValidationLoss!.Value).ToArray();
        Assert.HasCount(3, losses, "epochs 1–3 trained, 4–10 not");
        Assert.IsTrue(losses[0] < losses[1] && losses[1] < losses[2], $"validation losses {string.Join(", ", losses)} get worse");
        var summary = model.TrainingSummary!;
        Assert.AreEqual(3, summary.Epochs);
        Assert.IsTrue(summary.StoppedEarly);
        Assert.AreEqual(1, summary.BestEpoch);
        Assert.IsTrue(summary.RestoredBestWeights);
        Assert.AreEqual(losses[2], summary.FinalValidationLoss!.Value, 1e-12);

        // The returned network scores the validation set as it did at the end of epoch 1, not epoch 3.
        var restored = ml.MulticlassClassification.Evaluate(model.Transform(wrong)).LogLoss;
        Assert.AreEqual(losses[0], restored, 1e-4 * losses[0], $"log-loss of the returned model {restored}, epoch losses {string.Join(", ", losses)}");
        Assert.IsGreaterThan(1e-2, Math.Abs(losses[2] - restored));
    }

    [TestMethod]
    public void WithoutRestoringTheLastWeightsStay()
    {
        var ml = new MLContext(seed: 1);
        var wrong = SyntheticImages.Create(128, relabel: c => (c + 1) % 4);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 10, BatchSize = 32, ValidationSet = wrong, ReportEveryBatches = 0, NumberOfThreads = 1,
            EarlyStopping = new EarlyStopping { Patience = 1, RestoreBestWeights = false },
        }).Fit(SyntheticImages.Create(128));
        var summary = model.TrainingSummary!;
        Assert.AreEqual(2, summary.Epochs);
        Assert.IsFalse(summary.RestoredBestWeights);
        var loss = ml.MulticlassClassification.Evaluate(model.Transform(wrong)).LogLoss;
        Assert.AreEqual(summary.FinalValidationLoss!.Value, loss, 1e-4 * loss, "the last epoch's weights");
    }
}
