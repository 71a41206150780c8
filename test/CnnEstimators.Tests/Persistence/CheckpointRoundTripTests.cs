using CnnMl.Architectures;
using CnnMl.Persistence;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Persistence;

/// <summary>
/// Save a trained transformer as a checkpoint, load it in place of the original: same output schema, same key
/// values, bitwise the same scores — for mnist-cnn and for CondenseNet in its converted (condensed) form.
/// </summary>
[TestClass]
public sealed class CheckpointRoundTripTests
{
    private static readonly string[] Names = ["north", "east", "south", "west"];
    private static MLContext _ml = null!;
    private static IDataView _test = null!;
    private static CnnTransformer _mnistCnn = null!;
    private static CnnTransformer _condenseNet = null!;
    private static TemporaryFolder _folder = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        _ml = new MLContext(seed: 5);
        _folder = new TemporaryFolder("cnnml-roundtrip");
        // A short epoch is enough: the tests compare the saved and loaded models, not their accuracy.
        var train = SyntheticImages.Create(96, names: Names, seed: 11);
        _test = SyntheticImages.Create(150, names: Names, seed: 12);
        _mnistCnn = Fit(CnnArchitectures.MnistCnn, train, scoringBatchSize: 64);
        _condenseNet = Fit(CnnArchitectures.CondenseNet, train, scoringBatchSize: 256);
    }

    private static CnnTransformer Fit(string architecture, IDataView train, int scoringBatchSize) =>
        _ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = architecture,
            Epochs = 1,
            BatchSize = 32,
            ReportEveryBatches = 0,
            Scoring = { BatchSize = scoringBatchSize },
        }).Fit(train);

    [ClassCleanup]
    public static void Cleanup()
    {
        _mnistCnn.Dispose();
        _condenseNet.Dispose();
        _folder.Dispose();
    }

    [TestMethod]
    public void MnistCnnLoadsWithTheSameSchemaKeyValuesAndBitwiseScores()
    {
        var path = _folder.File("mnist-cnn.ckpt");
        _mnistCnn.SaveCheckpoint(path);
        using var loaded = CnnTransformer.Load(path);

        Assert.AreEqual(_mnistCnn.Definition.Architecture, loaded.Definition.Architecture);
        Assert.AreEqual(_mnistCnn.Definition.ImageShape, loaded.Definition.ImageShape);
        CollectionAssert.AreEqual(Names, loaded.Definition.ClassNames!.ToArray());
        Assert.IsNull(loaded.TrainingSummary);
        AssertSameOutput(_mnistCnn, loaded);
    }

    [TestMethod]
    public void CondensedCondenseNetLoadsInItsInferenceFormWithBitwiseScores()
    {
        Assert.IsTrue(_condenseNet.Definition.IsConvertedForInference, "the trainer converts CondenseNet after training");
        var path = _folder.File("condensenet.ckpt");
        _condenseNet.SaveCheckpoint(path);
        using var loaded = CnnTransformer.Load(path);

        Assert.IsTrue(loaded.Definition.IsConvertedForInference);
        Assert.IsInstanceOfType<CondensedCondenseNet>(loaded.Module);
        Assert.AreEqual(_condenseNet.ParameterCount, loaded.ParameterCount);
        AssertSameOutput(_condenseNet, loaded);
    }

    [TestMethod]
    public void AnIndexBufferOutOfRangeIsReportedWhenLoadingNotWhenScoring()
    {
        // A well-formed, re-sealed file whose CondenseConv index points past the input channels: structure and
        // shapes are right, so only running the network can tell.
        var path = _folder.File("bad-index.ckpt");
        _condenseNet.SaveCheckpoint(path);
        var entries = CheckpointArchives.Entries(File.ReadAllBytes(path));
        var weights = entries.FindIndex(e => e.Name == "weights.safetensors");
        var content = entries[weights].Content;
        var headerLength = (int)BitConverter.ToUInt64(content, 0);
        var header = System.Text.Json.Nodes.JsonNode.Parse(content.AsSpan(8, headerLength))!.AsObject();
        var index = header.First(p => p.Key.EndsWith(".index", StringComparison.Ordinal));
        Assert.AreEqual("I64", index.Value!["dtype"]!.GetValue<string>());
        var begin = index.Value["data_offsets"]![0]!.GetValue<long>();
        BitConverter.TryWriteBytes(content.AsSpan(8 + headerLength + (int)begin), 1_000_000L);
        var damaged = _folder.File("bad-index-resealed.ckpt");
        File.WriteAllBytes(damaged, CheckpointArchives.Pack(entries));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => CnnTransformer.Load(damaged));
        StringAssert.Contains(e.Message, "bad-index-resealed.ckpt");
        StringAssert.Contains(e.Message, "the network does not run with these weights");
    }

    [TestMethod]
    public void TheSameModelWritesTheSameBytes()
    {
        // Fixed entry times and a fixed entry order: a checkpoint is a function of the model alone.
        _mnistCnn.SaveCheckpoint(_folder.File("first.ckpt"));
        _mnistCnn.SaveCheckpoint(_folder.File("second.ckpt"));
        CollectionAssert.AreEqual(File.ReadAllBytes(_folder.File("first.ckpt")), File.ReadAllBytes(_folder.File("second.ckpt")));
    }

    [TestMethod]
    public void TheFileHoldsTheDocumentedEntriesAndNoPickle()
    {
        var path = _folder.File("entries.ckpt");
        _mnistCnn.SaveCheckpoint(path);
        var entries = CheckpointArchives.Entries(File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { "checkpoint.json", "definition.json", "weights.safetensors" }, entries.Select(e => e.Name).ToArray());
        var manifest = System.Text.Json.JsonDocument.Parse(entries[0].Content).RootElement;
        Assert.AreEqual("cnnml-checkpoint", manifest.GetProperty("format").GetString());
        Assert.AreEqual(1, manifest.GetProperty("version").GetInt32());
        Assert.AreEqual("model", manifest.GetProperty("kind").GetString());
        // mnist-cnn has no buffers: the data is every parameter as float32.
        var weights = entries[2].Content;
        var headerLength = (long)BitConverter.ToUInt64(weights, 0);
        Assert.AreEqual(0, (8 + headerLength) % 8, "data starts 8-byte aligned");
        Assert.AreEqual(4L * _mnistCnn.ParameterCount, weights.Length - 8 - headerLength);
        Assert.AreNotEqual((byte)0x80, weights[0], "not a pickle (protocol 2+ starts with 0x80)");
    }

    [TestMethod]
    public void LoadingLeavesTheGlobalRandomStreamAlone()
    {
        var path = _folder.File("rng.ckpt");
        _mnistCnn.SaveCheckpoint(path);
        TorchSharp.torch.random.manual_seed(42);
        var expected = TorchSharp.torch.rand(4).data<float>().ToArray();
        TorchSharp.torch.random.manual_seed(42);
        using (CnnTransformer.Load(path)) { }
        CollectionAssert.AreEqual(expected, TorchSharp.torch.rand(4).data<float>().ToArray());
    }

    [TestMethod]
    public void AMissingFileIsFileNotFound()
    {
        Assert.ThrowsExactly<FileNotFoundException>(() => CnnTransformer.Load(_folder.File("absent.ckpt")));
    }

    [TestMethod]
    public void NumericKeyValuesKeepTheirType()
    {
        var values = new VBuffer<float>(3, [0.5f, 2f, 1e-7f]);
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add("KeyValues", new VectorDataViewType(NumberDataViewType.Single, 3), (ref VBuffer<float> v) => values.CopyTo(ref v));
        var stored = LabelKeyValues.From(builder.ToAnnotations())!;
        Assert.AreEqual("Single", stored.Type);
        stored.Validate(3, "definition.json");

        var rebuilt = stored.ToAnnotations();
        var column = rebuilt.Schema["KeyValues"];
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), column.Type);
        var read = default(VBuffer<float>);
        rebuilt.GetValue("KeyValues", ref read);
        CollectionAssert.AreEqual(new[] { 0.5f, 2f, 1e-7f }, read.DenseValues().ToArray());
    }

    private static void AssertSameOutput(CnnTransformer saved, CnnTransformer loaded)
    {
        var expected = saved.Transform(_test);
        var actual = loaded.Transform(_test);
        AssertSameSchema(expected.Schema, actual.Schema);

        var expectedScores = expected.GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray();
        var actualScores = actual.GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray();
        Assert.AreEqual(150 * 4, expectedScores.Length);
        CollectionAssert.AreEqual(expectedScores.Select(BitConverter.SingleToInt32Bits).ToArray(), actualScores.Select(BitConverter.SingleToInt32Bits).ToArray(),
            "scores are bitwise equal");
        CollectionAssert.AreEqual(expected.GetColumn<uint>("PredictedLabel").ToArray(), actual.GetColumn<uint>("PredictedLabel").ToArray());

        // Text through MapKeyToValue: the key values behave the same downstream.
        var toText = _ml.Transforms.Conversion.MapKeyToValue("PredictedLabel");
        var expectedText = toText.Fit(expected).Transform(expected).GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(t => t.ToString()).ToArray();
        var actualText = toText.Fit(actual).Transform(actual).GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(t => t.ToString()).ToArray();
        CollectionAssert.AreEqual(expectedText, actualText);
        Assert.IsTrue(actualText.All(Names.Contains));
    }

    private static void AssertSameSchema(DataViewSchema expected, DataViewSchema actual)
    {
        CollectionAssert.AreEqual(expected.Select(c => c.Name).ToArray(), actual.Select(c => c.Name).ToArray());
        foreach (var column in expected)
        {
            var other = actual[column.Name];
            Assert.AreEqual(column.Type, other.Type, $"type of {column.Name}");
            CollectionAssert.AreEqual(column.Annotations.Schema.Select(a => (a.Name, a.Type.ToString())).ToArray(),
                other.Annotations.Schema.Select(a => (a.Name, a.Type.ToString())).ToArray(), $"annotations of {column.Name}");
            foreach (var kind in new[] { "KeyValues", "SlotNames" })
            {
                if (column.Annotations.Schema.GetColumnOrNull(kind) is null) continue;
                var a = default(VBuffer<ReadOnlyMemory<char>>);
                var b = default(VBuffer<ReadOnlyMemory<char>>);
                column.Annotations.GetValue(kind, ref a);
                other.Annotations.GetValue(kind, ref b);
                CollectionAssert.AreEqual(a.DenseValues().Select(v => v.ToString()).ToArray(), b.DenseValues().Select(v => v.ToString()).ToArray(), $"{kind} of {column.Name}");
            }
        }
    }
}
