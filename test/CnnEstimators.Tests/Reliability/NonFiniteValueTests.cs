using CnnMl.Optimizers;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Reliability;

/// <summary>
/// No silent NaN models: a non-finite pixel in training data stops Fit naming the row (or is skipped on
/// request), a diverging learning rate stops Fit naming the epoch, batch and rate, and a non-finite row at
/// scoring time gets NaN scores and the missing label, never a class.
/// </summary>
[TestClass]
public sealed class NonFiniteValueTests
{
    private static CnnTrainerOptions Options(double learningRate = 1e-3) =>
        new() { Epochs = 1, BatchSize = 32, Optimizer = new Adam { LearningRate = learningRate }, ReportEveryBatches = 0, Seed = 1 };

    [TestMethod]
    [DataRow(float.NaN, "NaN")]
    [DataRow(float.PositiveInfinity, "Infinity")]
    [DataRow(float.NegativeInfinity, "-Infinity")]
    public void ANonFinitePixelInTrainingDataStopsFitNamingTheRow(float value, string printed)
    {
        var ml = new MLContext(seed: 1);
        var rows = FloatImages.Create(320, seed: 1);
        rows[17].Image[203] = value;
        var trainer = ml.MulticlassClassification.Trainers.Cnn(Options());
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => trainer.Fit(FloatImages.ToDataView(ml, rows)));
        StringAssert.StartsWith(ex.Message, $"Row 17 of the training data holds {printed} in image column 'Image' (value 203 of 784)");
        StringAssert.Contains(ex.Message, "AllowNonFiniteFeatures = true");
    }

    [TestMethod]
    public void ANonFinitePixelInTheValidationSetStopsFitToo()
    {
        var ml = new MLContext(seed: 1);
        var validation = FloatImages.Create(100, seed: 2);
        validation[42].Image[0] = float.NaN;
        var options = Options();
        options.ValidationSet = FloatImages.ToDataView(ml, validation);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.MulticlassClassification.Trainers.Cnn(options).Fit(FloatImages.ToDataView(ml, FloatImages.Create(320, seed: 1))));
        StringAssert.StartsWith(ex.Message, "Row 42 of the validation data holds NaN in image column 'Image' (value 0 of 784)");
    }

    [TestMethod]
    public void AllowNonFiniteFeaturesSkipsThoseRowsAndSaysSo()
    {
        using var oneThread = TorchThreads.Use(1);
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        var rows = FloatImages.Create(640, seed: 1);
        rows[3].Image[100] = float.NaN;
        rows[50].Image[700] = float.PositiveInfinity;
        var options = Options();
        options.Epochs = 2;
        options.AllowNonFiniteFeatures = true;
        using var model = ml.MulticlassClassification.Trainers.Cnn(options).Fit(FloatImages.ToDataView(ml, rows));

        Assert.AreEqual(638, model.TrainingSummary!.TrainImages);
        Assert.IsTrue(double.IsFinite(model.TrainingSummary.FinalLoss), $"final loss {model.TrainingSummary.FinalLoss}");
        Assert.IsTrue(log.Any(m => m.Contains("Skipped 2 training rows whose image holds NaN or infinite values")), string.Join("\n", log));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(FloatImages.ToDataView(ml, FloatImages.Create(200, seed: 3))));
        Assert.IsGreaterThan(0.9, metrics.MicroAccuracy, $"micro-accuracy {metrics.MicroAccuracy}");
    }

    [TestMethod]
    public void ADivergingLearningRateStopsFitNamingEpochBatchAndRate()
    {
        var ml = new MLContext(seed: 1);
        var trainer = ml.MulticlassClassification.Trainers.Cnn(Options(learningRate: 1e30));
        var ex = Assert.ThrowsExactly<NonFiniteLossException>(() => trainer.Fit(SyntheticImages.Create(320, seed: 1)));
        Assert.AreEqual(1, ex.Epoch);
        Assert.IsLessThanOrEqualTo(3, ex.Batch, "Adam's first step at 1e30 blows the weights up; the next loss is not a number");
        Assert.AreEqual(1e30, ex.LearningRate);
        Assert.IsFalse(double.IsFinite(ex.Loss));
        StringAssert.StartsWith(ex.Message, $"Training diverged: the loss became ");
        StringAssert.Contains(ex.Message, $"at epoch 1, batch {ex.Batch} of 10 (learning rate 1E+30). Lower CnnTrainerOptions.Optimizer.LearningRate");
        Assert.DoesNotContain("\n", ex.Message);
    }

    [TestMethod]
    public void ScoringANonFiniteRowGivesNaNScoresAndTheMissingLabel()
    {
        using var oneThread = TorchThreads.Use(1);
        var ml = new MLContext(seed: 1);
        using var model = ml.MulticlassClassification.Trainers.Cnn(Options()).Fit(FloatImages.ToDataView(ml, FloatImages.Create(320, seed: 1)));
        var rows = FloatImages.Create(300, seed: 4);
        var bad = new Dictionary<int, float> { [2] = float.NaN, [5] = float.PositiveInfinity, [7] = float.NegativeInfinity, [299] = float.NaN };
        foreach (var (row, value) in bad) rows[row].Image[row] = value;

        // Batched (a batch of 256, then one of 44) and one row at a time through a prediction engine.
        var output = model.Transform(FloatImages.ToDataView(ml, rows));
        var scores = output.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        var predicted = output.GetColumn<uint>("PredictedLabel").ToArray();
        using var engine = ml.Model.CreatePredictionEngine<FloatImages.Row, Prediction>(model);
        for (var i = 0; i < rows.Length; i++)
        {
            var single = engine.Predict(rows[i]);
            if (bad.ContainsKey(i))
            {
                Assert.IsTrue(scores[i].All(float.IsNaN), $"row {i}: [{string.Join(", ", scores[i])}]");
                Assert.AreEqual(0u, predicted[i], $"row {i}");
                Assert.IsTrue(single.Score.All(float.IsNaN), $"engine, row {i}");
                Assert.AreEqual(0u, single.PredictedLabel, $"engine, row {i}");
            }
            else
            {
                Assert.AreEqual(1.0, scores[i].Sum(), 1e-5, $"row {i}");
                Assert.AreEqual(rows[i].Label + 1, predicted[i], $"row {i}");
                Assert.AreEqual(predicted[i], single.PredictedLabel, $"engine, row {i}");
            }
        }
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }
}
