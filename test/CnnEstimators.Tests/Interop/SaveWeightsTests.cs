using System.Text.Json;
using CnnMl.Architectures;
using CnnMl.Interop;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CnnMl.Tests.Interop;

/// <summary>
/// Weights out: <see cref="CnnTransformer.SaveWeights"/> writes files that load strictly into fresh modules (ours, and
/// TorchSharp's TorchVision port of torchvision's classes) and reproduce the trained module's logits; their names and
/// shapes equal the state dicts PyTorch itself saved (the fixtures' NAME.json), which is what PyTorch's
/// <c>load_state_dict(strict=True)</c> checks. PyTorch itself loading these files: <see cref="PyTorchLoadsCnnMlWeightsTests"/>.
/// </summary>
[TestClass]
public sealed class SaveWeightsTests
{
    [TestMethod]
    [DataRow(CnnArchitectures.MnistCnn, ".pt")]
    [DataRow(CnnArchitectures.MnistCnn, ".safetensors")]
    [DataRow(CnnArchitectures.LeNet5, ".pth")]
    [DataRow(CnnArchitectures.LeNet5, ".safetensors")]
    public void SmallNetworksWeightsReloadIntoAFreshModuleWithExactlyTheSameLogits(string architecture, string extension)
    {
        var expected = PyTorchStateDict.FixtureEntries(TestPaths.Fixture($"{architecture}.json"));
        var ml = new MLContext(seed: 2);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = architecture, Epochs = 1, BatchSize = 32, ReportEveryBatches = 0,
        }).Fit(SyntheticImages.Create(128, classes: 10));
        using var path = new TemporaryFile(extension);
        model.SaveWeights(path.Path);

        AssertNamesAndShapes(expected, path.Path, ordered: extension == ".safetensors");
        using var fresh = CnnArchitectures.Get(architecture).Create(model.Definition.ImageShape, 10);
        LoadWithPyBridge(fresh, path.Path);
        AssertSameLogits(model.Module, fresh, model.Definition.ImageShape, exact: true);
    }

    [TestMethod]
    [DataRow(CnnArchitectures.ResNet18)]
    [DataRow(CnnArchitectures.MobileNetV2)]
    public void TorchvisionNetworksWeightsLoadStrictlyIntoTorchVisionsOwnClassesAndScoreTheSame(string architecture)
    {
        var fixture = TestPaths.Fixture($"{architecture}.pt");
        var expected = PyTorchStateDict.FixtureEntries(TestPaths.Fixture($"{architecture}.json"));
        var ml = new MLContext(seed: 2);
        var shape = new ImageShape(3, 32, 32);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = architecture, ImageShape = shape, TransferLearning = { InitialWeights = fixture }, Epochs = 1, BatchSize = 4, ReportEveryBatches = 0,
        }).Fit(ShapedImages.Noise(ml, 4, shape, classes: 1000, seed: 3));
        using var pt = new TemporaryFile(".pt");
        using var safetensors = new TemporaryFile(".safetensors");
        model.SaveWeights(pt.Path);
        model.SaveWeights(safetensors.Path);

        AssertNamesAndShapes(expected, pt.Path, ordered: false);
        // safetensors keeps the order it was written in: PyTorch's state_dict() order, line for line.
        AssertNamesAndShapes(expected, safetensors.Path, ordered: true);
        using nn.Module<Tensor, Tensor> peer = architecture == CnnArchitectures.ResNet18 ? torchvision.models.resnet18() : torchvision.models.mobilenet_v2();
        peer.load_py(pt.Path, strict: true);
        AssertSameLogits(model.Module, peer, shape, exact: false);

        using var scope = NewDisposeScope();
        using var original = CnnArchitectures.Get(architecture).Create();
        original.load_py(fixture);
        var classifier = CnnArchitectures.Get(architecture).ClassifierName + ".weight";
        Assert.IsFalse(TensorAssert.Identical(original.state_dict()[classifier], peer.state_dict()[classifier]), "the file holds the trained weights, not the fixture's");
    }

    [TestMethod]
    public void ACondensedCondenseNetIsWrittenUnderTheOfficialConvertedModelsNamesAndValues()
    {
        // The official code's small model (test/…/Fixtures/condensenet, see CondenseNetConformanceTests), condensed by us.
        var configuration = new CondenseNetConfiguration(Stages: [2, 2, 2], Growth: [4, 8, 8], InitStride: 1);
        var shape = new ImageShape(3, 32, 32);
        using var scope = NewDisposeScope();
        using var trained = new CondenseNet(configuration, shape, 10);
        trained.load_py(CondenseNetFixture("condensenet-small.pt"));
        trained.eval();
        using var condensed = trained.Condense();
        using var written = new TemporaryFile(".safetensors");
        StateDictFile.Write(written.Path, StateDictOrder.Entries(condensed)); // what SaveWeights writes for a condensed transformer

        using var meta = JsonDocument.Parse(File.ReadAllText(CondenseNetFixture("condensenet-small.json")));
        var official = meta.RootElement.GetProperty("converted_state_dict").EnumerateArray()
            .Select(e => (e[0].GetString()!, e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToList();
        AssertNamesAndShapes(official, written.Path, ordered: true);

        using var officialTensors = new StateDictTensors(CondenseNetFixture("condensenet-small-converted.pt"));
        using var ours = new StateDictTensors(written.Path);
        foreach (var (name, tensor) in ours.Tensors)
        {
            // The official CondensingConv leaves its new batch norm's num_batches_tracked at 0; ours carries the count over.
            if (name.EndsWith("conv_1.norm.num_batches_tracked", StringComparison.Ordinal)) continue;
            Assert.IsTrue(TensorAssert.Identical(officialTensors.Tensors[name], tensor), $"{name} differs from the official converted model's");
        }
    }

    [TestMethod]
    public void ACondenseNetTrainedThroughTheEstimatorSavesItsCondensedFormWhichReloadsIntoTheCondensedClass()
    {
        var ml = new MLContext(seed: 2);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.CondenseNet, Epochs = 1, BatchSize = 16, ReportEveryBatches = 0,
        }).Fit(SyntheticImages.Create(32, classes: 10));
        Assert.IsTrue(model.Definition.IsConvertedForInference);
        using var path = new TemporaryFile(".pt");
        model.SaveWeights(path.Path);

        using var fresh = new CondensedCondenseNet(CondenseNetConfiguration.Mnist, model.Definition.ImageShape, 10);
        fresh.load_py(path.Path, strict: true);
        AssertSameLogits(model.Module, fresh, model.Definition.ImageShape, exact: true);
    }

    [TestMethod]
    public void AnUnknownExtensionIsRefusedNamingTheFormats()
    {
        var ml = new MLContext(seed: 2);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Epochs = 1, ReportEveryBatches = 0 })
            .Fit(SyntheticImages.Create(32, classes: 4));
        var error = Assert.ThrowsExactly<ArgumentException>(() => model.SaveWeights("weights.onnx"));
        StringAssert.Contains(error.Message, "Use .pt or .pth");
        StringAssert.Contains(error.Message, ".safetensors");
    }

    private static string CondenseNetFixture(string file) =>
        Path.Combine(TestPaths.RepositoryRoot, "test", "CnnEstimators.Tests", "Fixtures", "condensenet", file);

    /// <summary>The file's names and shapes (read with the library's reader) equal <paramref name="expected"/>.</summary>
    private static void AssertNamesAndShapes(IReadOnlyList<(string Name, long[] Shape)> expected, string path, bool ordered)
    {
        using var file = new StateDictTensors(path);
        var actual = file.Tensors.Select(kv => $"{kv.Key} {StateDictFormat.Shape(kv.Value.shape)}").ToArray();
        var wanted = expected.Select(e => $"{e.Name} {StateDictFormat.Shape(e.Shape)}").ToArray();
        if (ordered) CollectionAssert.AreEqual(wanted, actual, "names and shapes in PyTorch's order");
        else CollectionAssert.AreEquivalent(wanted, actual, "names and shapes");
    }

    private static void LoadWithPyBridge(nn.Module module, string path)
    {
        // PyBridge's own readers, strict: an independent check of what the library wrote.
        if (path.EndsWith(".safetensors", StringComparison.Ordinal)) module.load_safetensors(path, strict: true);
        else module.load_py(path, strict: true);
    }

    private static void AssertSameLogits(nn.Module<Tensor, Tensor> expected, nn.Module<Tensor, Tensor> actual, ImageShape shape, bool exact)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        expected.eval();
        actual.eval();
        manual_seed(11);
        var x = rand(shape.WithBatch(4));
        var want = expected.call(x);
        var got = actual.call(x);
        if (exact)
        {
            Assert.IsTrue(TensorAssert.Identical(want, got), $"max |Δlogit| {(want - got).abs().max().item<float>():E2}, expected exactly 0");
            return;
        }
        var tolerance = 1e-5 * Math.Max(1.0, want.abs().max().item<float>());
        var error = (want - got).abs().max().item<float>();
        Assert.IsLessThanOrEqualTo(tolerance, error, $"max |Δlogit| {error:E2}");
    }
}
