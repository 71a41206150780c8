using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Persistence;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Persistence;

/// <summary>
/// In-process save → load in a new MLContext: a trained mnist-cnn (1 epoch on 2,000 MNIST images) is saved by
/// <c>mlContext.Model.Save</c> as ML.NET's own transformers and loads without any CnnMl type, scoring the same.
/// </summary>
[TestClass]
public sealed class SavedModelRoundTripTests
{
    private static MLContext _ml = null!;
    private static CnnTransformer _model = null!;
    private static IDataView _train = null!;
    private static IDataView _test = null!;
    private static string _folder = "";

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        var dir = TestPaths.RequireMnist();
        _folder = Directory.CreateTempSubdirectory("cnnml-save-").FullName;
        _ml = new MLContext(seed: 1);
        _train = _ml.Data.LoadMnist(dir, MnistSplit.Train, 2_000);
        _test = _ml.Data.LoadMnist(dir, MnistSplit.Test, 1_000);
        _model = _ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.MnistCnn, Epochs = 1, BatchSize = 64, ReportEveryBatches = 0,
        }).Fit(_train);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        _model?.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [TestMethod]
    public void LoadedModelIsPlainMlNetAndScoresTheSame()
    {
        var path = _ml.Model.SaveAtomically(_model, _train.Schema, Path.Combine(_folder, "mnist-cnn.zip"));
        Console.WriteLine($"mnist-cnn zip: {new FileInfo(path).Length:N0} bytes");

        var fresh = new MLContext();
        var loaded = fresh.Model.Load(path, out var schema);
        var types = TransformerTypes(loaded).ToList();
        Console.WriteLine(string.Join(" > ", types.Select(t => t.Name)));
        Assert.IsEmpty(types.Where(t => t.Assembly.GetName().Name!.StartsWith("CnnMl", StringComparison.Ordinal)).ToList(),
            "the loaded chain must consist of ML.NET types only");
        CollectionAssert.IsSubsetOf(
            new[] { "OnnxTransformer", "ValueToKeyMappingTransformer", "KeyToVectorMappingTransformer", "ExpressionTransformer", "ColumnSelectingTransformer" },
            types.Select(t => t.Name).ToList());
        CollectionAssert.AreEqual(_train.Schema.Select(c => $"{c.Name}: {c.Type}").ToList(), schema.Select(c => $"{c.Name}: {c.Type}").ToList());

        var expected = ScoredRows.Read(_ml, _model.Transform(_test));
        var actual = ScoredRows.Read(fresh, loaded.Transform(_test));
        var worst = ScoredRows.LargestDifference(expected.Scores, actual.Scores);
        Console.WriteLine($"1,000 rows: largest Score difference {worst:G3}; accuracy {expected.Metrics.MicroAccuracy:P2} / {actual.Metrics.MicroAccuracy:P2}");
        Assert.IsLessThanOrEqualTo(1e-5f, worst);
        Assert.IsEmpty(ScoredRows.DifferentPredictions(expected.PredictedKeys, actual.PredictedKeys));
        Assert.AreEqual(expected.Metrics.MicroAccuracy, actual.Metrics.MicroAccuracy);
        (loaded as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void LoadedColumnsHaveTheTrainedTypesKeyValuesAndSlotNames()
    {
        var path = _ml.Model.SaveAtomically(_model, _train.Schema, Path.Combine(_folder, "columns.zip"));
        var loaded = new MLContext().Model.Load(path, out var schema);
        var original = _model.GetOutputSchema(_train.Schema);
        var output = loaded.GetOutputSchema(schema);

        Assert.AreEqual(original["Score"].Type, output["Score"].Type, "Score: a flat Vector<Single, 10>");
        Assert.AreEqual(original["PredictedLabel"].Type, output["PredictedLabel"].Type);
        CollectionAssert.AreEqual(Texts(original["PredictedLabel"], "KeyValues"), Texts(output["PredictedLabel"], "KeyValues"));
        CollectionAssert.AreEqual(MnistCatalog.DigitNames.ToList(), Texts(output["PredictedLabel"], "KeyValues"));
        CollectionAssert.AreEqual(Texts(original["Score"], "SlotNames"), Texts(output["Score"], "SlotNames"));
        Assert.IsNull(output.GetColumnOrNull("CnnMl.Probabilities"), "temporary columns are dropped");
        Assert.IsNull(output.GetColumnOrNull("CnnMl.PredictedOneHot"), "temporary columns are dropped");
        (loaded as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void PlainModelSaveOfAPipelineLoadsAndPredictsTextLabels()
    {
        // The pipeline users write: the CNN then MapKeyToValue, saved with ML.NET's own Save (not the helper).
        var pipeline = new TransformerChain<ITransformer>(_model, _ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(_model.Transform(_train)));
        var path = Path.Combine(_folder, "pipeline.zip");
        _ml.Model.Save(pipeline, _train.Schema, path);

        var fresh = new MLContext();
        var loaded = fresh.Model.Load(path, out _);
        var engine = fresh.Model.CreatePredictionEngine<Digit, Prediction>(loaded);
        var original = _ml.Model.CreatePredictionEngine<Digit, Prediction>(pipeline);
        var images = _test.GetColumn<float[]>("Image").Take(50).ToList();
        foreach (var image in images)
        {
            var expected = original.Predict(new Digit { Image = image });
            var actual = engine.Predict(new Digit { Image = image });
            Assert.AreEqual(expected.PredictedLabel, actual.PredictedLabel);
            Assert.IsLessThanOrEqualTo(1e-5f, expected.Score.Zip(actual.Score, (e, a) => MathF.Abs(e - a)).Max());
        }
        Assert.IsTrue(images.Select(i => engine.Predict(new Digit { Image = i }).PredictedLabel).All(p => p.Length == 1 && char.IsDigit(p[0])));
        (loaded as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void SavingLogsTheChainToTheTrainersContext()
    {
        var messages = new List<string>();
        void Listen(object? sender, LoggingEventArgs e)
        {
            if (e.Source == "CnnTransformer; Save") messages.Add(e.Message);
        }
        _ml.Log += Listen;
        try
        {
            _ml.Model.SaveAtomically(_model, _train.Schema, Path.Combine(_folder, "logged.zip"));
        }
        finally
        {
            _ml.Log -= Listen;
        }
        Assert.IsTrue(messages.Any(m => m.Contains("OnnxTransformer > ValueToKeyMappingTransformer", StringComparison.Ordinal)),
            $"log: {string.Join(" | ", messages)}");
    }

    private static IEnumerable<Type> TransformerTypes(ITransformer transformer)
    {
        yield return transformer.GetType();
        foreach (var argument in transformer.GetType().GetGenericArguments()) yield return argument;
        if (transformer is IEnumerable<ITransformer> chain)
            foreach (var inner in chain.SelectMany(TransformerTypes)) yield return inner;
        if (transformer.GetType().GetProperty("Model")?.GetValue(transformer) is { } parameters) yield return parameters.GetType();
    }

    private static List<string> Texts(DataViewSchema.Column column, string kind)
    {
        var values = default(VBuffer<ReadOnlyMemory<char>>);
        column.Annotations.GetValue(kind, ref values);
        return values.DenseValues().Select(v => v.ToString()).ToList();
    }

    private sealed class Digit
    {
        [VectorType(784)]
        public float[] Image { get; set; } = [];
    }

    private sealed class Prediction
    {
        public string PredictedLabel { get; set; } = "";

        public float[] Score { get; set; } = [];
    }
}
