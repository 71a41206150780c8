using CnnMl.Architectures;
using CnnMl.Interop;
using CnnMl.Scoring;
using CnnMl.Tests.Architectures;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CnnMl.Tests.Interop;

/// <summary>
/// Weights in: the PyTorch fixtures (Fixtures/pytorch, and those the test set-up generates; saved by PyTorch 1.13 with
/// torch.save) start a training through the MLContext estimator; mismatches are listed in full.
/// </summary>
[TestClass]
public sealed class InitialWeightsTests
{
    [TestMethod]
    public void TorchvisionResNet18LoadsWithAReplacedClassifierFor10ClassesAt64x64AndTheFrozenBackboneStaysAsLoaded()
    {
        var weights = TestPaths.Fixture("resnet18.pt");
        var ml = new MLContext(seed: 1);
        var shape = new ImageShape(3, 64, 64);
        var data = ShapedImages.Noise(ml, 20, shape, classes: 10, seed: 5);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.ResNet18,
            ImageShape = shape,
            TransferLearning = { InitialWeights = weights, ReplaceClassifier = true, FreezeBackboneEpochs = 1 },
            Epochs = 1,
            BatchSize = 10,
            ReportEveryBatches = 0,
        }).Fit(data);

        Assert.AreEqual("fc", CnnArchitectures.Get(CnnArchitectures.ResNet18).ClassifierName);
        using var scope = NewDisposeScope();
        using var file = new StateDictTensors(weights);
        var trained = model.Module.state_dict();
        CollectionAssert.AreEqual(new long[] { 10, 512 }, trained["fc.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 1000, 512 }, file.Tensors["fc.weight"].shape);
        var compared = 0;
        foreach (var (name, tensor) in trained)
        {
            if (name.StartsWith("fc.", StringComparison.Ordinal)) continue;
            // Weights and BatchNorm statistics (running_mean, running_var, num_batches_tracked) alike: bit for bit.
            Assert.IsTrue(TensorAssert.Identical(tensor, file.Tensors[name]), $"{name} changed while the backbone was frozen");
            compared++;
        }
        Assert.AreEqual(120, compared, "every resnet18 tensor but fc.weight and fc.bias");
        Assert.AreEqual(512 * 10 + 10, model.TrainingSummary!.TrainedParameters, "only fc trains while the backbone is frozen");
        Assert.IsTrue(model.Module.parameters().All(p => p.requires_grad), "parameters are trainable again after Fit");

        var scores = model.Transform(data).GetColumn<VBuffer<float>>("Score").First().DenseValues().ToArray();
        Assert.AreEqual(10, scores.Length);
    }

    [TestMethod]
    [DataRow(CnnArchitectures.MnistCnn)]
    [DataRow(CnnArchitectures.LeNet5)]
    [DataRow(CnnArchitectures.ResNet18)]
    [DataRow(CnnArchitectures.MobileNetV2)]
    public void PyTorchWeightsInScoreAsPyTorchThroughTheEstimatorWithZeroEpochs(string architecture)
    {
        var json = TestPaths.Fixture($"{architecture}.json");
        var inputShape = PyTorchStateDict.FixtureShape(json, "input_shape");
        var outputShape = PyTorchStateDict.FixtureShape(json, "output_shape");
        var shape = new ImageShape(inputShape[1..]);
        var classes = (int)outputShape[1];
        var batch = (int)inputShape[0];
        var inputs = PyTorchConformanceTests.ReadFloats(TestPaths.Fixture($"{architecture}.input.f32"));
        var logits = PyTorchConformanceTests.ReadFloats(TestPaths.Fixture($"{architecture}.output.f32"));
        var size = (int)shape.ElementCount;
        var ml = new MLContext(seed: 1);
        var data = ShapedImages.Create(ml, Enumerable.Range(0, batch).Select(i => inputs[(i * size)..((i + 1) * size)]).ToArray(),
            Enumerable.Repeat(0, batch).ToArray(), shape, classes);

        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = architecture,
            ImageShape = shape,
            TransferLearning = { InitialWeights = TestPaths.Fixture($"{architecture}.pt") },
            Epochs = 0,
        }).Fit(data);

        var scores = model.Transform(data).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        Assert.HasCount(batch, scores);
        for (var row = 0; row < batch; row++)
        {
            var expected = Softmax(logits.AsSpan(row * classes, classes));
            var error = expected.Zip(scores[row], (e, a) => Math.Abs(e - a)).Max();
            Assert.IsLessThanOrEqualTo(1e-5, error, $"{architecture} row {row}: max |Δprobability| {error:E2} against PyTorch's softmax(logits)");
        }
    }

    [TestMethod]
    public void StrictMismatchListsEveryMissingAndEveryUnexpectedName()
    {
        var weights = TestPaths.Fixture("mnist-cnn.pt");
        var mnistCnnNames = PyTorchStateDict.FixtureEntries(TestPaths.Fixture("mnist-cnn.json")).Select(e => e.Name).ToArray();
        var leNetNames = PyTorchStateDict.FixtureEntries(TestPaths.Fixture("lenet5.json")).Select(e => e.Name).ToArray();
        var ml = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<StateDictMismatchException>(() => ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.LeNet5,
            TransferLearning = { InitialWeights = weights },
            Epochs = 1,
        }).Fit(SyntheticImages.Create(64, classes: 10)));

        Console.WriteLine(error.Message);
        CollectionAssert.AreEqual(leNetNames, error.Missing.ToArray(), "every lenet5 tensor, in PyTorch's order");
        CollectionAssert.AreEquivalent(mnistCnnNames, error.Unexpected.ToArray(), "every mnist-cnn tensor");
        Assert.IsEmpty(error.WrongShape);
        var lines = error.Message.Split('\n').Select(l => l.Trim()).ToHashSet();
        foreach (var name in leNetNames.Concat(mnistCnnNames)) Assert.Contains(name, lines, $"'{name}' on a line of its own in:\n{error.Message}");
        StringAssert.Contains(error.Message, "missing from the file (the network has them) (10):");
        StringAssert.Contains(error.Message, "unexpected in the file (the network has no such tensor) (10):");
        StringAssert.Contains(error.Message, "architecture 'lenet5' (1x28x28, 10 classes)");
    }

    [TestMethod]
    public void AClassifierForOtherClassesIsReportedWithBothShapesAndReplaceClassifierAsTheFix()
    {
        var ml = new MLContext(seed: 1);
        var error = Assert.ThrowsExactly<StateDictMismatchException>(() => ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.MnistCnn,
            TransferLearning = { InitialWeights = TestPaths.Fixture("mnist-cnn.pt") },
            Epochs = 1,
        }).Fit(SyntheticImages.Create(64, classes: 4)));

        Console.WriteLine(error.Message);
        Assert.IsEmpty(error.Missing);
        Assert.IsEmpty(error.Unexpected);
        CollectionAssert.AreEqual(new[] { "out.weight: file [10, 3136], network [4, 3136]", "out.bias: file [10], network [4]" },
            error.WrongShape.Select(w => w.ToString()).ToArray());
        StringAssert.Contains(error.Message, "set ReplaceClassifier = true");

        using var replaced = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.MnistCnn,
            TransferLearning = { InitialWeights = TestPaths.Fixture("mnist-cnn.pt"), ReplaceClassifier = true },
            Epochs = 1,
            ReportEveryBatches = 0,
        }).Fit(SyntheticImages.Create(64, classes: 4));
        CollectionAssert.AreEqual(new long[] { 4, 3136 }, replaced.Module.state_dict()["out.weight"].shape);
    }

    [TestMethod]
    public void WeightsForThreeChannelsIntoAOneChannelNetworkSayWhichImageShapeFits()
    {
        var ml = new MLContext(seed: 1);
        var shape = new ImageShape(1, 32, 32);
        var error = Assert.ThrowsExactly<StateDictMismatchException>(() => ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.ResNet18,
            ImageShape = shape,
            TransferLearning = { InitialWeights = TestPaths.Fixture("resnet18.pt"), ReplaceClassifier = true },
            Epochs = 1,
        }).Fit(ShapedImages.Noise(ml, 4, shape, 2, seed: 1)));

        CollectionAssert.AreEqual(new[] { "conv1.weight: file [64, 3, 7, 7], network [64, 1, 7, 7]" }, error.WrongShape.Select(w => w.ToString()).ToArray());
        StringAssert.Contains(error.Message, "the file's first layer takes 3 input channel(s) and this network 1: set ImageShape with 3 channels");
        StringAssert.Contains(error.Message, "(classifier 'fc' excluded: it is replaced)");
    }

    [TestMethod]
    public void ADataParallelStateDictLoadsWithoutItsModulePrefixFromSafetensors()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(Path.GetTempPath(), $"cnnml-ddp-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var source = CnnArchitectures.Get(CnnArchitectures.MnistCnn).Create();
            source.load_py(TestPaths.Fixture("mnist-cnn.pt"));
            StateDictFile.Write(path, StateDictOrder.Entries(source).Select(e => ("module." + e.Name, e.Tensor)).ToList());

            var ml = new MLContext(seed: 1);
            var data = SyntheticImages.Create(8, classes: 10);
            using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                Architecture = CnnArchitectures.MnistCnn, TransferLearning = { InitialWeights = path }, Epochs = 0,
            }).Fit(data);
            foreach (var (name, tensor) in source.state_dict())
                Assert.IsTrue(TensorAssert.Identical(tensor, model.Module.state_dict()[name]), $"{name} loaded from 'module.{name}'");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void OptionsThatNeedPretrainedWeightsAreRefusedWithoutThem()
    {
        var ml = new MLContext(seed: 1);
        var replace = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { TransferLearning = { ReplaceClassifier = true } }));
        StringAssert.Contains(replace.Message, "ReplaceClassifier applies to InitialWeights");
        var freeze = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { TransferLearning = { FreezeBackboneEpochs = 1 } }));
        StringAssert.Contains(freeze.Message, "set InitialWeights");
        var epochs = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Epochs = 0 }));
        StringAssert.Contains(epochs.Message, "0 is allowed with InitialWeights");
        var factor = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            TransferLearning = { InitialWeights = "w.pt", FreezeBackboneEpochs = 1, UnfrozenLearningRateFactor = 0 },
        }));
        StringAssert.Contains(factor.Message, "UnfrozenLearningRateFactor must be a positive finite number");
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            TransferLearning = { InitialWeights = "no-such-weights.pt" }, Epochs = 0,
        }).Fit(SyntheticImages.Create(8, classes: 10)));
        StringAssert.Contains(missing.Message, "no-such-weights.pt' does not exist");
    }

    private static double[] Softmax(ReadOnlySpan<float> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        var exp = new double[logits.Length];
        for (var i = 0; i < logits.Length; i++) exp[i] = Math.Exp(logits[i] - max);
        var sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }
}
