using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.Training;

/// <summary>
/// <see cref="TrainingSummary.BatchLosses"/>: the loss of every training batch, which the console's loss curve draws
/// (the reports carry it only every <c>ReportEveryBatches</c>).
/// </summary>
[TestClass]
public sealed class BatchLossesTests
{
    [TestMethod]
    public void Every_batch_loss_is_kept_in_order_and_the_reports_show_the_same_values()
    {
        var reports = new List<TrainingReport>();
        using var model = new MLContext(seed: 1).MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 2, BatchSize = 16, ReportEveryBatches = 2, NumberOfThreads = 1,
            Progress = new SynchronousProgress<TrainingReport>(reports.Add),
        }).Fit(SyntheticImages.Create(96));

        // 96 images in batches of 16: 6 batches per epoch, 12 in all.
        var losses = model.TrainingSummary!.BatchLosses;
        Assert.HasCount(12, losses);
        Assert.IsTrue(losses.All(double.IsFinite));
        Assert.AreEqual(losses[^1], model.TrainingSummary.FinalLoss);
        var shown = reports.Where(r => r.Kind is TrainingReportKind.Batch or TrainingReportKind.EpochEnd).ToList();
        Assert.HasCount(2 * 3, shown, "batches 2 and 4 and the epoch's end, twice");
        foreach (var report in shown)
            Assert.AreEqual(losses[(report.Epoch - 1) * 6 + report.Batch - 1], report.Loss, $"epoch {report.Epoch}, batch {report.Batch}");
        // The losses are the batches' own: not one value repeated.
        Assert.IsGreaterThan(6, losses.Distinct().Count());
    }
}
