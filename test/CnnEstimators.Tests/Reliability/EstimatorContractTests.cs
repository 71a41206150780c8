using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using CnnMl.Runtime;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Reliability;

/// <summary>
/// ML.NET's estimator contract (TestEstimatorCore) for every public estimator of the library: what
/// <c>GetOutputSchema</c> promises is what the fitted transformer delivers, for labels with text key values,
/// numeric key values and none, with default and custom output column names, and over an input that already
/// holds scores; and the reloaded transformer delivers the same schema and scores. The round trip is CnnMl's
/// checkpoint (<see cref="CnnTransformer.SaveCheckpoint(string)"/>, <see cref="CnnTransformer.Load"/>); ML.NET's own
/// <c>mlContext.Model.Save</c> joins as a second <see cref="EstimatorContract.SaveAndReload"/> when it can store the
/// transformer (branch mlnet-save).
/// </summary>
[TestClass]
public sealed class EstimatorContractTests
{
    private static CnnTrainerOptions Options(string score = "Score", string predictedLabel = "PredictedLabel") => new()
    {
        Epochs = 1, BatchSize = 32, ReportEveryBatches = 0, Seed = 1, ScoreColumnName = score, PredictedLabelColumnName = predictedLabel,
    };

    private static ITransformer CheckpointRoundTrip(ITransformer transformer, DataViewSchema inputSchema)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cnnml-contract-{Guid.NewGuid():N}.cnnml");
        try
        {
            ((CnnTransformer)transformer).SaveCheckpoint(path);
            return CnnTransformer.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static IDataView WithoutLabel(MLContext ml, IDataView data) => ml.Transforms.DropColumns("Label").Fit(data).Transform(data);

    // The image column as doubles: a vector the trainer must refuse.
    private static IDataView WithDoubleImages(MLContext ml, IDataView data) =>
        ml.Transforms.Conversion.ConvertType("Image", outputKind: DataKind.Double).Fit(data).Transform(data);

    [TestMethod]
    public void EveryPublicEstimatorOfTheLibraryIsCheckedHere()
    {
        var estimators = typeof(CnnTrainer).Assembly.GetExportedTypes()
            .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEstimator<>)))
            .Select(t => t.FullName).Order().ToArray();
        // A new public estimator fails this test until a contract test below covers it.
        CollectionAssert.AreEqual(new[] { typeof(CnnTrainer).FullName }, estimators);
    }

    [TestMethod]
    [DataRow("Score", "PredictedLabel", DisplayName = "default names")]
    [DataRow("Probabilities", "Guess", DisplayName = "custom names")]
    public void CnnTrainerWithTextKeyValues(string score, string predictedLabel)
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticImages.Create(128, names: ["north", "east", "south", "west"]);
        using var transformer = (CnnTransformer)EstimatorContract.Check(ml.MulticlassClassification.Trainers.Cnn(Options(score, predictedLabel)),
            data, WithoutLabel(ml, data), WithDoubleImages(ml, data), CheckpointRoundTrip);

        var output = transformer.Transform(data).Schema;
        CollectionAssert.AreEqual(new[] { "Label", "Image", score, predictedLabel }, output.Select(c => c.Name).ToArray());
        Assert.AreEqual("north, east, south, west", EstimatorContract.ReadAnnotation(output[score], output[score].Annotations.Schema["SlotNames"]));
        Assert.AreEqual("north, east, south, west", EstimatorContract.ReadAnnotation(output[score], output[score].Annotations.Schema["TrainingLabelValues"]));
        Assert.AreEqual("north, east, south, west", EstimatorContract.ReadAnnotation(output[predictedLabel], output[predictedLabel].Annotations.Schema["KeyValues"]));
        Assert.AreEqual("1", EstimatorContract.ReadAnnotation(output[score], output[score].Annotations.Schema["ScoreColumnSetId"]));
        // ML.NET's evaluator finds the columns by the given names.
        var metrics = ml.MulticlassClassification.Evaluate(transformer.Transform(data), scoreColumnName: score, predictedLabelColumnName: predictedLabel);
        Assert.AreEqual(4, metrics.ConfusionMatrix.NumberOfClasses);
    }

    [TestMethod]
    public void CnnTrainerWithoutKeyValues()
    {
        var ml = new MLContext(seed: 1);
        var data = FloatImages.ToDataView(ml, FloatImages.Create(128, seed: 1));
        using var transformer = (IDisposable)EstimatorContract.Check(ml.MulticlassClassification.Trainers.Cnn(Options()), data, WithoutLabel(ml, data), WithDoubleImages(ml, data), CheckpointRoundTrip);
    }

    [TestMethod]
    public void CnnTrainerWithNumericKeyValues()
    {
        var ml = new MLContext(seed: 1);
        var rows = FloatImages.Create(128, seed: 1).Select(r => new DigitRow { Digit = r.Label * 10 + 3, Image = r.Image });
        var raw = ml.Data.LoadFromEnumerable(rows);
        var data = ml.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit)).Fit(raw).Transform(raw);
        using var transformer = (CnnTransformer)EstimatorContract.Check(ml.MulticlassClassification.Trainers.Cnn(Options()), data, WithoutLabel(ml, data), WithDoubleImages(ml, data), CheckpointRoundTrip);
        var score = transformer.Transform(data).Schema["Score"];
        Assert.AreEqual("Vector<UInt32, 4>", score.Annotations.Schema["TrainingLabelValues"].Type.ToString());
        Assert.IsNull(score.Annotations.Schema.GetColumnOrNull("SlotNames"), "SlotNames only for text key values, as ML.NET does");
    }

    [TestMethod]
    public void CnnTrainerOverAnInputThatAlreadyHoldsScores()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticImages.Create(128);
        using var first = ml.MulticlassClassification.Trainers.Cnn(Options()).Fit(data);
        var scored = first.Transform(data);
        using var second = (CnnTransformer)EstimatorContract.Check(ml.MulticlassClassification.Trainers.Cnn(Options()), scored, WithoutLabel(ml, scored), saveAndReload: CheckpointRoundTrip);
        var output = second.Transform(scored).Schema;
        // The new columns hide the old ones and carry the next score column set id, as ML.NET's scorers do.
        Assert.AreEqual(6, output.Count);
        Assert.IsTrue(output[2].IsHidden && output[3].IsHidden);
        Assert.AreEqual("2", EstimatorContract.ReadAnnotation(output["Score"], output["Score"].Annotations.Schema["ScoreColumnSetId"]));
    }

    [TestMethod]
    public void ThePromiseCarriesTheAnnotationsOfMlNetsOwnMulticlassTrainers()
    {
        var ml = new MLContext(seed: 1);
        var input = CatalogEnvironment.SchemaShapeOf(SyntheticImages.Create(8).Schema);
        var ours = ml.MulticlassClassification.Trainers.Cnn(Options()).GetOutputSchema(input);
        var sdca = ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Image").GetOutputSchema(input);
        foreach (var column in new[] { "Score", "PredictedLabel" })
            Assert.AreEqual(EstimatorContract.Describe(sdca.Single(c => c.Name == column)), EstimatorContract.Describe(ours.Single(c => c.Name == column)), column);
    }

    private sealed class DigitRow
    {
        public uint Digit { get; set; }

        [VectorType(784)]
        public float[] Image { get; set; } = [];
    }
}
