using System.Globalization;
using System.Text.RegularExpressions;
using CnnMl.Data;
using CnnMl.Optimizers;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.Training;

/// <summary>
/// <see cref="CnnTrainerOptions.ValidationSetFraction"/>: a stratified, seeded share of the training rows held out
/// inside <c>Fit</c> (as ML.NET's ImageClassificationTrainer does), which validation reports and early stopping use.
/// </summary>
[TestClass]
public sealed partial class ValidationSetFractionTests
{
    [TestMethod]
    public void Each_class_gives_round_count_times_fraction_at_least_one_and_keeps_one()
    {
        // Classes of 10, 7, 1, 2, 25 and 4 rows, interleaved; 0.2 of each: 2, round(1.4) = 1, none of a single row,
        // round(0.4) = 0 raised to 1, 5, round(0.8) = 1.
        int[] sizes = [10, 7, 1, 2, 25, 4];
        var labels = sizes.SelectMany((n, c) => Enumerable.Range(0, n).Select(i => (Order: i * 7 + c, Label: (long)c)))
            .OrderBy(r => r.Order).Select(r => r.Label).ToArray();
        var held = StratifiedHoldOut.Choose(labels, Enumerable.Range(0, 6).Select(c => (long)c), 0.2, seed: 3);
        var perClass = Enumerable.Range(0, 6).Select(c => labels.Where((l, i) => l == c && held[i]).Count()).ToArray();
        CollectionAssert.AreEqual(new[] { 2, 1, 0, 1, 5, 1 }, perClass);

        // 0.5 of a 2-row class is one row; 0.99 of 10 rows keeps one for training.
        CollectionAssert.AreEqual(new[] { 1, 9 }, new[] { 2, 10 }.Select(n =>
            StratifiedHoldOut.Choose(Enumerable.Repeat(0L, n).ToArray(), [0L], n == 2 ? 0.5 : 0.99, seed: 1).Count(h => h)).ToArray());
    }

    [TestMethod]
    public void The_same_seed_holds_out_the_same_rows_another_seed_others()
    {
        var labels = Enumerable.Range(0, 500).Select(i => (long)(i % 5)).ToArray();
        var classes = Enumerable.Range(0, 5).Select(c => (long)c).ToArray();
        var first = StratifiedHoldOut.Choose(labels, classes, 0.1, seed: 11);
        CollectionAssert.AreEqual(first, StratifiedHoldOut.Choose(labels, classes, 0.1, seed: 11), "same seed, same rows");
        var other = StratifiedHoldOut.Choose(labels, classes, 0.1, seed: 12);
        Assert.AreEqual(50, other.Count(h => h));
        CollectionAssert.AreNotEqual(first, other, "another seed, other rows (10 of 100 in each of 5 classes)");
    }

    [TestMethod]
    public void Fit_holds_out_the_exact_share_of_every_class_and_validates_on_it()
    {
        // The first 2,000 MNIST training digits, a tenth of each class held out: the counts are exact, training sees the
        // rest, and every epoch end is measured on the held-out rows.
        var mnist = MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Train, 2_000);
        var expected = Enumerable.Range(0, 10).Select(c => Math.Clamp(StratifiedHoldOut.HeldCount(mnist.Labels.Count(l => l == c), 0.1), 1, 10_000)).ToArray();
        var (summary, reports, log) = Train(mnist.ToDataView(), seed: 5, epochs: 1);

        var line = log.Single(m => m.Contains("held out (ValidationSetFraction 0.1", StringComparison.Ordinal));
        var counts = PerClassPattern().Matches(line).Select(m => int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToArray();
        CollectionAssert.AreEqual(expected, counts, line);
        StringAssert.Contains(line, $"Validation data: {expected.Sum()} of the 2,000 training images held out");
        Assert.AreEqual(2_000 - expected.Sum(), summary.TrainImages, "the held-out rows are not trained on");
        Assert.IsTrue(reports.All(r => r.ImagesPerEpoch == 2_000 - expected.Sum()));
        var end = reports.Single(r => r.Kind == TrainingReportKind.EpochEnd);
        Assert.IsNotNull(end.ValidationAccuracy);
        Assert.AreEqual(0, Math.Abs(end.ValidationAccuracy.Value * expected.Sum() - Math.Round(end.ValidationAccuracy.Value * expected.Sum())), 1e-9,
            "accuracy counts whole held-out images");
        Assert.IsGreaterThan(0.5, end.ValidationAccuracy.Value, "one epoch of mnist-cnn on 1,800 digits validates well above chance (10%)");

        // Determinism: the same seed trains and validates on the same rows, bitwise; another seed on other rows.
        var (again, _, _) = Train(mnist.ToDataView(), seed: 5, epochs: 1);
        Assert.AreEqual(summary.FinalValidationLoss, again.FinalValidationLoss);
        Assert.AreEqual(summary.FinalLoss, again.FinalLoss);
        var (other, _, _) = Train(mnist.ToDataView(), seed: 6, epochs: 1);
        Assert.AreNotEqual(summary.FinalValidationLoss, other.FinalValidationLoss);
    }

    [TestMethod]
    public void Early_stopping_watches_the_held_out_rows()
    {
        // 400 MNIST digits whose labels are (digit + row) mod 10: nothing generalizes, so while the network memorizes
        // its training rows the held-out rows' loss only rises; patience 1 stops long before epoch 20.
        var mnist = MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Train, 400);
        var labels = mnist.Labels.Select((l, i) => (byte)((l + i) % 10)).ToArray();
        var data = new LabeledImageDataView(mnist.Pixels, labels, 784, MnistCatalog.DigitNames);
        var ml = new MLContext(seed: 1);
        var reports = new List<TrainingReport>();
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 20, BatchSize = 32, Optimizer = new Adam { LearningRate = 3e-3 }, ValidationSetFraction = 0.25, ReportEveryBatches = 0, NumberOfThreads = 1, Seed = 1,
            EarlyStopping = new EarlyStopping { Metric = EarlyStoppingMetric.ValidationLoss, Patience = 1 },
            Progress = new SynchronousProgress<TrainingReport>(reports.Add),
        }).Fit(data);
        var summary = model.TrainingSummary!;
        var losses = reports.Where(r => r.Kind == TrainingReportKind.EpochEnd).Select(r => r.ValidationLoss!.Value).ToArray();
        Assert.IsTrue(summary.StoppedEarly, $"validation losses {string.Join(", ", losses)}");
        Assert.IsLessThan(20, summary.Epochs);
        Assert.AreEqual(losses.Length, summary.Epochs);
        Assert.IsNotNull(summary.BestEpoch);
        var held = Enumerable.Range(0, 10).Sum(c => StratifiedHoldOut.HeldCount(labels.Count(l => l == c), 0.25));
        Assert.AreEqual(400 - held, summary.TrainImages, "a quarter of each class (10 classes of about 40) held out");
    }

    private static (TrainingSummary Summary, List<TrainingReport> Reports, List<string> Log) Train(IDataView data, int seed, int epochs)
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) =>
        {
            lock (log) log.Add(e.RawMessage);
        };
        var reports = new List<TrainingReport>();
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = epochs, BatchSize = 64, ValidationSetFraction = 0.1, ReportEveryBatches = 0, NumberOfThreads = 1, Seed = seed,
            Progress = new SynchronousProgress<TrainingReport>(reports.Add),
        }).Fit(data);
        return (model.TrainingSummary!, reports, log);
    }

    [GeneratedRegex(@"(\d+): (\d+)")]
    private static partial Regex PerClassPattern();
}
