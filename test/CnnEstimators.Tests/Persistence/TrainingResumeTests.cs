using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Optimizers;
using CnnMl.Persistence;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using TorchSharp;

namespace CnnMl.Tests.Persistence;

/// <summary>
/// Resuming from a training checkpoint continues the interrupted run exactly: on the CPU with one thread,
/// 2 epochs + 1 resumed epoch give bitwise the weights of 3 uninterrupted epochs (512 MNIST images, batch 64).
/// </summary>
[TestClass]
public sealed class TrainingResumeTests
{
    private const int Images = 512;
    private static MLContext _ml = null!;
    private static IDataView _train = null!;
    private static TemporaryFolder _folder = null!;
    private static int _threads;
    private static Dictionary<string, float[]> _threeEpochs = null!;

    [ClassInitialize]
    public static void TrainUninterrupted(TestContext _)
    {
        _ml = new MLContext(seed: 1);
        _train = _ml.Data.LoadMnist(TestPaths.RequireMnist(), MnistSplit.Train, Images);
        _folder = new TemporaryFolder("cnnml-resume");
        _threads = torch.get_num_threads();
        using var model = Fit(epochs: 3);
        _threeEpochs = Weights(model.Module);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        torch.set_num_threads(_threads);
        _folder.Dispose();
    }

    private static CnnTrainerOptions Options(int epochs, string? checkpoint = null, string? resume = null) => new()
    {
        Architecture = CnnArchitectures.MnistCnn,
        Epochs = epochs,
        BatchSize = 64,
        Optimizer = new Adam { LearningRate = 1e-3 },
        Seed = 17,
        NumberOfThreads = 1,
        ReportEveryBatches = 0,
        Checkpoints = { Path = checkpoint, ResumeFrom = resume },
    };

    private static CnnTransformer Fit(int epochs, string? checkpoint = null, string? resume = null) =>
        _ml.MulticlassClassification.Trainers.Cnn(Options(epochs, checkpoint, resume)).Fit(_train);

    [TestMethod]
    public void TwoEpochsPlusOneResumedEqualThreeEpochsBitwise()
    {
        var checkpoint = _folder.File("two-epochs.ckpt");
        using (Fit(epochs: 2, checkpoint)) { }
        using (var contents = CnnCheckpoint.Read(checkpoint))
        {
            Assert.AreEqual(2, contents.Training!.EpochsCompleted);
            Assert.AreEqual(2L * Images / 64, contents.Training.StepsCompleted);
            Assert.IsTrue(contents.Optimizer!.Document.Parameters.All(p => p.Step == 16), "every parameter took 16 Adam steps");
            using var module = contents.TakeModule();
            var afterTwo = Weights(module);
            var differing = afterTwo.Keys.Count(k => !BitwiseEqual(afterTwo[k], _threeEpochs[k]));
            Assert.AreEqual(afterTwo.Count, differing, "the third epoch changes every tensor, so the comparison below can fail");
        }

        using var resumed = Fit(epochs: 3, resume: checkpoint);
        Assert.AreEqual(1, resumed.TrainingSummary!.Epochs, "the resumed Fit trains the one missing epoch");
        AssertBitwiseEqual(_threeEpochs, Weights(resumed.Module));
    }

    [TestMethod]
    public void ARunCanceledAfterItsSecondEpochResumesToTheUninterruptedWeights()
    {
        // The real use: a 3-epoch run stops after epoch 2 (canceled from its progress callback) and is resumed with the same options.
        var checkpoint = _folder.File("canceled.ckpt");
        using var cancel = new CancellationTokenSource();
        var options = Options(3, checkpoint);
        options.CancellationToken = cancel.Token;
        options.Progress = new SynchronousProgress<TrainingReport>(r =>
        {
            if (r.Kind == TrainingReportKind.EpochEnd && r.Epoch == 2) cancel.Cancel();
        });
        Assert.ThrowsExactly<OperationCanceledException>(() => _ml.MulticlassClassification.Trainers.Cnn(options).Fit(_train));

        // Resume from and keep writing to the same file, as the console's --checkpoint/--resume pair would.
        using var resumed = Fit(epochs: 3, checkpoint, resume: checkpoint);
        AssertBitwiseEqual(_threeEpochs, Weights(resumed.Module));
        using var final = CnnCheckpoint.Read(checkpoint);
        Assert.AreEqual(3, final.Training!.EpochsCompleted);
        using var finalModule = final.TakeModule();
        AssertBitwiseEqual(_threeEpochs, Weights(finalModule));
    }

    [TestMethod]
    public void ResumingWithOtherOptionsOrDataNamesTheDifference()
    {
        var checkpoint = _folder.File("one-epoch.ckpt");
        using (Fit(epochs: 1, checkpoint)) { }

        var batch = Options(3, resume: checkpoint);
        batch.BatchSize = 32;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => _ml.MulticlassClassification.Trainers.Cnn(batch).Fit(_train));
        StringAssert.Contains(e.Message, "BatchSize = 64; the options say 32");

        var done = Assert.ThrowsExactly<InvalidOperationException>(() => _ml.MulticlassClassification.Trainers.Cnn(Options(1, resume: checkpoint)).Fit(_train));
        StringAssert.Contains(done.Message, "already completed 1 epoch(s)");

        var otherData = _ml.Data.LoadMnist(TestPaths.RequireMnist(), MnistSplit.Train, Images - 1);
        var data = Assert.ThrowsExactly<InvalidOperationException>(() => _ml.MulticlassClassification.Trainers.Cnn(Options(3, resume: checkpoint)).Fit(otherData));
        StringAssert.Contains(data.Message, "trained on other data");
    }

    [TestMethod]
    public void AModelCheckpointCannotBeResumed()
    {
        var path = _folder.File("model.ckpt");
        using (var model = Fit(epochs: 1)) model.SaveCheckpoint(path);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => Fit(epochs: 2, resume: path));
        StringAssert.Contains(e.Message, "model checkpoint");
    }

    private static Dictionary<string, float[]> Weights(torch.nn.Module<torch.Tensor, torch.Tensor> module) =>
        module.state_dict().ToDictionary(p => p.Key, p => p.Value.cpu().data<float>().ToArray());

    private static bool BitwiseEqual(float[] a, float[] b) =>
        a.AsSpan().SequenceEqual(b) && a.Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.Select(BitConverter.SingleToInt32Bits));

    private static void AssertBitwiseEqual(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        CollectionAssert.AreEquivalent(expected.Keys.ToArray(), actual.Keys.ToArray());
        foreach (var (name, values) in expected)
        {
            var other = actual[name];
            Assert.AreEqual(values.Length, other.Length, name);
            var first = Enumerable.Range(0, values.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(values[i]) != BitConverter.SingleToInt32Bits(other[i]), -1);
            Assert.AreEqual(-1, first, $"{name}[{first}]: {(first >= 0 ? $"{values[first]:R} vs {other[first]:R}" : "")}");
        }
    }
}
