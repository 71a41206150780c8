using System.Diagnostics;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.Training;

/// <summary>
/// <see cref="CnnTrainerOptions.TimeLimit"/>: a wall-clock budget that ends training after the batch in progress and
/// keeps the model trained so far (the console's <c>--max-minutes</c> and the guided mode's minutes budget).
/// </summary>
[TestClass]
public sealed class TimeLimitTests
{
    [TestMethod]
    public void Training_stops_soon_after_the_limit_and_returns_the_model_trained_so_far()
    {
        var ml = new MLContext(seed: 1);
        var train = SyntheticImages.Create(512);
        var validation = SyntheticImages.Create(64);
        var reports = new List<TrainingReport>();
        var limit = TimeSpan.FromSeconds(1);
        var clock = Stopwatch.StartNew();
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 1000, BatchSize = 16, ValidationSet = validation, ReportEveryBatches = 0, NumberOfThreads = 1, TimeLimit = limit,
            Progress = new SynchronousProgress<TrainingReport>(reports.Add),
        }).Fit(train);
        clock.Stop();

        var summary = model.TrainingSummary!;
        Assert.IsTrue(summary.TimeLimitReached);
        Assert.IsFalse(summary.StoppedEarly);
        Assert.IsTrue(summary.Epochs is >= 1 and < 1000, $"{summary.Epochs} epochs");
        Assert.IsTrue(summary.ImagesTrained > 0 && summary.ImagesTrained < 1000L * 512, $"{summary.ImagesTrained} images");
        Assert.AreEqual(reports.Last().TotalImagesTrained, summary.ImagesTrained, "the summary counts the images the reports counted");
        Assert.AreEqual(summary.ImagesTrained / summary.TrainSeconds, summary.ImagesPerSecond, 1e-9);
        // The last epoch (cut or whole) still ends with a validation measurement, as every epoch does.
        var lastEpoch = reports.Last(r => r.Kind == TrainingReportKind.EpochEnd);
        Assert.IsNotNull(lastEpoch.ValidationAccuracy);
        Assert.AreEqual(summary.FinalValidationAccuracy, lastEpoch.ValidationAccuracy);
        // One batch of 16 small images and one validation pass take milliseconds: the limit is kept to within seconds
        // even on a busy machine (set-up and the network's creation come before the clock starts).
        Assert.IsTrue(clock.Elapsed < limit + TimeSpan.FromSeconds(20), $"Fit took {clock.Elapsed}");

        var scored = model.Transform(validation);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.IsTrue(metrics.MicroAccuracy > 0.5, $"the model trained for a second learned the 4 synthetic classes: {metrics.MicroAccuracy:P1}");
    }

    [TestMethod]
    public void A_limit_that_is_not_reached_changes_nothing()
    {
        var ml = new MLContext(seed: 1);
        var train = SyntheticImages.Create(128);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 2, BatchSize = 32, ReportEveryBatches = 0, NumberOfThreads = 1, TimeLimit = TimeSpan.FromHours(1),
        }).Fit(train);

        var summary = model.TrainingSummary!;
        Assert.IsFalse(summary.TimeLimitReached);
        Assert.AreEqual(2, summary.Epochs);
        Assert.AreEqual(2L * 128, summary.ImagesTrained);
    }

    [TestMethod]
    public void A_limit_of_zero_is_refused()
    {
        var ml = new MLContext(seed: 1);
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { TimeLimit = TimeSpan.Zero }).Fit(SyntheticImages.Create(8)));
        StringAssert.Contains(error.Message, "TimeLimit must be positive");
    }
}
