using CnnMl.Architectures;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Scoring;

/// <summary>Trains mnist-cnn once on a small learnable synthetic set (4 classes) and checks the transformer.</summary>
[TestClass]
public sealed class CnnTransformerTests
{
    private static readonly string[] Names = ["north", "east", "south", "west"];
    private static MLContext _ml = null!;
    private static IDataView _train = null!;
    private static IDataView _test = null!;
    private static CnnTransformer _model = null!;
    private static readonly List<TrainingReport> Reports = [];

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        _ml = new MLContext(seed: 3);
        _train = SyntheticImages.Create(640, names: Names, seed: 1);
        _test = SyntheticImages.Create(300, names: Names, seed: 2);
        _model = _ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 2,
            BatchSize = 32,
            ReportEveryBatches = 5,
            ValidationSet = _test,
            Scoring = { BatchSize = 64 },
            Progress = new SynchronousProgress<TrainingReport>(Reports.Add),
        }).Fit(_train);
    }

    [ClassCleanup]
    public static void Dispose() => _model.Dispose();

    [TestMethod]
    public void OutputSchemaHasScoreAndPredictedLabelWithTheLabelsKeyValues()
    {
        var output = _model.Transform(_test);
        CollectionAssert.AreEqual(new[] { "Label", "Image", "Score", "PredictedLabel" }, output.Schema.Select(c => c.Name).ToArray());
        var score = (VectorDataViewType)output.Schema["Score"].Type;
        Assert.AreEqual(NumberDataViewType.Single, score.ItemType);
        Assert.AreEqual(4, score.Size);
        var predicted = (KeyDataViewType)output.Schema["PredictedLabel"].Type;
        Assert.AreEqual(4UL, predicted.Count);
        var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
        output.Schema["PredictedLabel"].Annotations.GetValue("KeyValues", ref keyValues);
        CollectionAssert.AreEqual(Names, keyValues.DenseValues().Select(v => v.ToString()).ToArray());
        var slotNames = default(VBuffer<ReadOnlyMemory<char>>);
        output.Schema["Score"].Annotations.GetValue("SlotNames", ref slotNames);
        CollectionAssert.AreEqual(Names, slotNames.DenseValues().Select(v => v.ToString()).ToArray());
    }

    [TestMethod]
    public void MlNetEvaluatesTheOutputUnchanged()
    {
        var metrics = _ml.MulticlassClassification.Evaluate(_model.Transform(_test));
        Assert.IsGreaterThan(0.95, metrics.MicroAccuracy, $"micro-accuracy {metrics.MicroAccuracy}");
        Assert.AreEqual(4, metrics.ConfusionMatrix.NumberOfClasses);
        Assert.IsLessThan(0.5, metrics.LogLoss);
    }

    [TestMethod]
    public void ScoresAreProbabilitiesAndPredictedLabelIsTheirArgMaxPlusOne()
    {
        var output = _model.Transform(_test);
        var scores = output.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        var predicted = output.GetColumn<uint>("PredictedLabel").ToArray();
        Assert.AreEqual(300, scores.Length);
        for (var i = 0; i < scores.Length; i++)
        {
            Assert.AreEqual(1.0, scores[i].Sum(), 1e-5);
            Assert.AreEqual((uint)Array.IndexOf(scores[i], scores[i].Max()) + 1, predicted[i]);
        }
    }

    [TestMethod]
    public void MapKeyToValueReturnsTheLabelText()
    {
        var pipeline = _ml.Transforms.Conversion.MapKeyToValue("PredictedLabel");
        var output = pipeline.Fit(_model.Transform(_test)).Transform(_model.Transform(_test));
        var predicted = output.GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(p => p.ToString()).ToArray();
        var truth = _ml.Transforms.Conversion.MapKeyToValue("Truth", "Label").Fit(_test).Transform(_test)
            .GetColumn<ReadOnlyMemory<char>>("Truth").Select(t => t.ToString()).ToArray();
        Assert.IsTrue(predicted.All(Names.Contains));
        Assert.IsGreaterThan(0.95, predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length);
    }

    [TestMethod]
    public void InputColumnsPassThroughUntouched()
    {
        var output = _model.Transform(_test);
        CollectionAssert.AreEqual(_test.GetColumn<uint>("Label").ToArray(), output.GetColumn<uint>("Label").ToArray());
        var inImages = _test.GetColumn<VBuffer<float>>("Image").Select(v => v.DenseValues().ToArray()).ToArray();
        var outImages = output.GetColumn<VBuffer<float>>("Image").Select(v => v.DenseValues().ToArray()).ToArray();
        Assert.AreEqual(inImages.Length, outImages.Length);
        for (var i = 0; i < inImages.Length; i++) CollectionAssert.AreEqual(inImages[i], outImages[i]);
    }

    [TestMethod]
    public void PredictionEngineAgreesWithBatchedScoring()
    {
        var batched = _model.Transform(_test).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        var images = _test.GetColumn<VBuffer<float>>("Image").Select(v => v.DenseValues().ToArray()).ToArray();
        var engine = _ml.Model.CreatePredictionEngine<ImageInput, KeyPrediction>(_model);
        for (var i = 0; i < 20; i++)
        {
            var prediction = engine.Predict(new ImageInput { Image = images[i] });
            Assert.AreEqual(4, prediction.Score.Length);
            for (var c = 0; c < 4; c++) Assert.AreEqual(batched[i][c], prediction.Score[c], 1e-5, $"row {i} class {c}");
            Assert.AreEqual((uint)Array.IndexOf(batched[i], batched[i].Max()) + 1, prediction.PredictedLabel);
        }
    }

    [TestMethod]
    public void ScoringWrongSizedImagesNamesTheProblem()
    {
        var wrong = SyntheticImages.Create(4, size: 12);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _model.Transform(wrong));
        StringAssert.StartsWith(ex.Message, "Image column 'Image' has 144 values; architecture 'mnist-cnn' expects 1x28x28 = 784.");
    }

    [TestMethod]
    public void ProgressReportsFollowTheSchedule()
    {
        // 640 images / 32 = 20 batches per epoch: reports after batches 5, 10, 15, then the epoch end.
        var kinds = Reports.Select(r => r.Kind).ToArray();
        Assert.AreEqual(TrainingReportKind.Started, kinds[0]);
        Assert.AreEqual(TrainingReportKind.Completed, kinds[^1]);
        var batchReports = Reports.Where(r => r.Kind == TrainingReportKind.Batch).ToArray();
        CollectionAssert.AreEqual(new[] { 5, 10, 15, 5, 10, 15 }, batchReports.Select(r => r.Batch).ToArray());
        CollectionAssert.AreEqual(new long[] { 160, 320, 480, 160, 320, 480 }, batchReports.Select(r => r.ImagesSeen).ToArray());
        Assert.IsTrue(batchReports.All(r => r.ValidationAccuracy is null));
        var epochEnds = Reports.Where(r => r.Kind == TrainingReportKind.EpochEnd).ToArray();
        CollectionAssert.AreEqual(new[] { 1, 2 }, epochEnds.Select(r => r.Epoch).ToArray());
        Assert.IsTrue(epochEnds.All(r => r.ValidationAccuracy is > 0.9));
        Assert.AreEqual(1280L, Reports[^1].TotalImagesTrained);
        Assert.AreEqual(1.0, epochEnds[^1].FractionDone, 1e-12);
        Assert.AreEqual("cpu (MLContext.GpuDeviceId is not set)", Reports[0].Device);
        Assert.AreEqual(_model.TrainingSummary!.Reports.Count, Reports.Count);
    }

    [TestMethod]
    public void DefinitionHoldsWhatRebuildsTheModel()
    {
        var definition = _model.Definition;
        Assert.AreEqual(CnnArchitectures.MnistCnn, definition.Architecture);
        Assert.AreEqual(new ImageShape(1, 28, 28), definition.ImageShape);
        Assert.AreEqual(4, definition.ClassCount);
        CollectionAssert.AreEqual(Names, definition.ClassNames!.ToArray());
        Assert.AreEqual("Image", definition.FeatureColumnName);
        Assert.IsFalse(definition.IsConvertedForInference);
        // mnist-cnn with 4 outputs: 121,514 − 6·3,137 parameters.
        Assert.AreEqual(121_514L - 6 * 3_137, _model.ParameterCount);
    }
}
