using CnnMl.Demo.Plots;
using OxyPlot;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// The loss curve of <c>--plots</c> (issue 22 item 3): a point per batch, smoothed as fastai smooths it, placed by
/// epoch; legends outside the plot area.
/// </summary>
[TestClass]
public sealed class TrainingCurvesPlotTests
{
    private static TrainingReport Report(TrainingReportKind kind, int epoch, int batch, double loss, double? validation = null) => new()
    {
        Kind = kind, Epoch = epoch, Epochs = 3, Batch = batch, BatchesPerEpoch = 4, ImagesSeen = 0, ImagesPerEpoch = 64, Loss = loss,
        TrainAccuracy = 0.5, ValidationAccuracy = validation, ValidationLoss = validation is null ? null : 1 - validation, TrainSeconds = 1,
        TotalImagesTrained = 0, Device = "cpu",
    };

    /// <summary>A resumed run: epochs 2 and 3 of 3, 4 batches each, reported at epoch ends only.</summary>
    private static TrainingSummary Summary() => new()
    {
        Epochs = 2, TrainImages = 64, TrainSeconds = 1, ImagesTrained = 128, FinalLoss = 0.5, FinalTrainAccuracy = 0.5, TrainedParameters = 10,
        Device = "cpu", Seed = 1, BatchLosses = [2, 1.5, 1.8, 1.2, 1.0, 0.9, 0.7, 0.5],
        Reports =
        [
            Report(TrainingReportKind.Started, 2, 0, double.NaN), Report(TrainingReportKind.EpochEnd, 2, 4, 1.2, 0.6),
            Report(TrainingReportKind.EpochEnd, 3, 4, 0.5, 0.7), Report(TrainingReportKind.Completed, 3, 4, 0.5),
        ],
    };

    [TestMethod]
    public void Every_batch_is_a_point_at_its_place_in_the_epochs()
    {
        var points = TrainingCurvesPlot.BatchPoints(Summary());
        // Epoch 2 starts at 1.0: batch 1 ends at 1.25, the last batch of epoch 3 at 3.0.
        CollectionAssert.AreEqual(new[] { 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3 }, points.Select(p => p.X).ToArray());
        CollectionAssert.AreEqual(new[] { 2, 1.5, 1.8, 1.2, 1.0, 0.9, 0.7, 0.5 }, points.Select(p => p.Y).ToArray());
    }

    [TestMethod]
    public void The_smoothed_curve_is_the_bias_corrected_moving_average()
    {
        // β = 0.5: m1 = 0.5·2 = 1, shown 1 / 0.5 = 2; m2 = 0.5·1 + 0.5·1.5 = 1.25, shown 1.25 / 0.75; m3 = 0.625 + 0.9 = 1.525, shown / 0.875.
        var smoothed = TrainingCurvesPlot.Smoothed([new DataPoint(1, 2), new DataPoint(2, 1.5), new DataPoint(3, 1.8)], 0.5);
        Assert.AreEqual(2, smoothed[0].Y, 1e-12);
        Assert.AreEqual(1.25 / 0.75, smoothed[1].Y, 1e-12);
        Assert.AreEqual(1.525 / 0.875, smoothed[2].Y, 1e-12);
        CollectionAssert.AreEqual(new[] { 1.0, 2, 3 }, smoothed.Select(p => p.X).ToArray());
        // Short runs follow their batches; long ones are smoothed as fastai does (0.98).
        Assert.AreEqual(0, TrainingCurvesPlot.Smoothing(8));
        Assert.AreEqual(0.9, TrainingCurvesPlot.Smoothing(100), 1e-12);
        Assert.AreEqual(0.98, TrainingCurvesPlot.Smoothing(10_000));
    }

    [TestMethod]
    public void The_loss_chart_draws_batches_smoothed_loss_and_validation_per_epoch_with_the_legend_outside()
    {
        var loss = TrainingCurvesPlot.Loss(Summary(), "t");
        var lines = loss.Series.Cast<LineSeries>().ToList();
        // 8 batches: β = 0, nothing to smooth: the batches, marked, and the validation loss.
        Assert.HasCount(2, lines);
        Assert.HasCount(8, lines[0].Points);
        Assert.AreEqual(MarkerType.Circle, lines[0].MarkerType);
        CollectionAssert.AreEqual(new[] { new DataPoint(2, 0.4), new DataPoint(3, 1 - 0.7) }, lines[1].Points.ToArray(), "validation loss at each epoch's end");
        // 16 batches (the same twice): β = 0.375, the batches and their smoothed curve.
        var longer = Summary() with { BatchLosses = [.. Summary().BatchLosses, .. Summary().BatchLosses], Reports = [.. Summary().Reports.Select(r => r with { BatchesPerEpoch = 8 })] };
        var smoothed = TrainingCurvesPlot.Loss(longer, "t").Series.Cast<LineSeries>().ToList();
        Assert.HasCount(3, smoothed);
        CollectionAssert.AreEqual(TrainingCurvesPlot.Smoothed(smoothed[0].Points, 0.375).ToArray(), smoothed[1].Points.ToArray());
        var accuracy = TrainingCurvesPlot.Accuracy(Summary(), "t");
        var validation = accuracy.Series.Cast<LineSeries>().Single(s => s.Title == "validation, epoch end");
        CollectionAssert.AreEqual(new[] { new DataPoint(2, 60), new DataPoint(3, 70) }, validation.Points.ToArray());
        foreach (var plot in new[] { loss, accuracy })
            Assert.AreEqual(LegendPlacement.Outside, plot.Legends.Single().LegendPlacement, "a legend inside the plot area would cover data");
    }
}
