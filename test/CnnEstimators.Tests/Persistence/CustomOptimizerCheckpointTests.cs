using CnnMl.Architectures;
using CnnMl.Optimizers;
using CnnMl.Persistence;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Tests.Persistence;

/// <summary>
/// Adding an optimizer is one class plus its registration: <see cref="RmsProp"/>, defined here in the test assembly
/// and registered under "test-rmsprop", is checkpointed and resumed by the unchanged checkpoint code. One epoch
/// (2 batches of 32 synthetic images) written to a checkpoint and resumed for a second epoch gives bitwise the weights
/// of two uninterrupted epochs; the checkpoint records the optimizer's kind, every setting and its state tensors.
/// The built-in SGD, whose state appears only at the first step, resumes the same way.
/// </summary>
[TestClass]
public sealed class CustomOptimizerCheckpointTests
{
    private const string Name = "test-rmsprop";
    private static MLContext _ml = null!;
    private static IDataView _train = null!;
    private static TemporaryFolder _folder = null!;
    private static int _threads;

    [ClassInitialize]
    public static void Register(TestContext _)
    {
        CnnOptimizers.Register<RmsProp>(Name);
        _ml = new MLContext(seed: 1);
        _train = SyntheticImages.Create(64, classes: 4);
        _folder = new TemporaryFolder("cnnml-custom-optimizer");
        _threads = get_num_threads();
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        set_num_threads(_threads);
        _folder.Dispose();
    }

    private static RmsProp Settings() => new() { LearningRate = 2e-3, Alpha = 0.9, Momentum = 0.5, Centered = true };

    private static CnnTrainerOptions Options(int epochs, CnnOptimizer optimizer, string? checkpoint = null, string? resume = null) => new()
    {
        Architecture = CnnArchitectures.MnistCnn,
        Epochs = epochs,
        BatchSize = 32,
        Optimizer = optimizer,
        Seed = 5,
        NumberOfThreads = 1,
        ReportEveryBatches = 0,
        Checkpoints = { Path = checkpoint, ResumeFrom = resume },
    };

    private static CnnTransformer Fit(CnnTrainerOptions options) => _ml.MulticlassClassification.Trainers.Cnn(options).Fit(_train);

    [TestMethod]
    public void ARegisteredOptimizerRoundTripsThroughACheckpointAndResumesBitwise()
    {
        Dictionary<string, float[]> uninterrupted;
        using (var model = Fit(Options(2, Settings()))) uninterrupted = Weights(model.Module);

        var checkpoint = Path.Combine(_folder.Path, "one-epoch.ckpt");
        Dictionary<string, float[]> afterOne;
        using (var model = Fit(Options(1, Settings(), checkpoint))) afterOne = Weights(model.Module);
        Assert.IsTrue(afterOne.Any(p => !p.Value.SequenceEqual(uninterrupted[p.Key])), "the second epoch changes the weights, so the comparison below can fail");

        using (var contents = CnnCheckpoint.Read(checkpoint))
        {
            var state = contents.Optimizer!;
            Assert.AreEqual(Name, state.Document.Optimizer);
            var saved = Assert.IsInstanceOfType<RmsProp>(state.Settings);
            Assert.AreEqual((2e-3, 0.9, 1e-8, 0.5, true), (saved.LearningRate, saved.Alpha, saved.Eps, saved.Momentum, saved.Centered), "every setting recorded");
            foreach (var parameter in state.Document.Parameters)
            {
                Assert.AreEqual(2, parameter.Step, $"{parameter.Name}: one epoch of 2 batches");
                CollectionAssert.AreEqual(new[] { "square_avg", "momentum_buffer", "grad_avg" }, parameter.State.ToArray(), parameter.Name);
            }
            // The state is not zero: a resume that dropped it would take other steps than the uninterrupted run.
            Assert.IsTrue(state.Tensors.Where(t => t.Key.EndsWith(".momentum_buffer", StringComparison.Ordinal)).All(t => t.Value.abs().max().item<float>() > 0),
                "every momentum buffer holds the first epoch's momentum");
            Assert.AreEqual(3 * state.Document.Parameters.Count, state.Tensors.Count);
        }

        using var resumed = Fit(Options(2, Settings(), resume: checkpoint));
        Assert.AreEqual(1, resumed.TrainingSummary!.Epochs, "the resumed Fit trains the one missing epoch");
        var weights = Weights(resumed.Module);
        CollectionAssert.AreEquivalent(uninterrupted.Keys.ToArray(), weights.Keys.ToArray());
        foreach (var (name, values) in uninterrupted)
            Assert.IsTrue(values.Select(BitConverter.SingleToInt32Bits).SequenceEqual(weights[name].Select(BitConverter.SingleToInt32Bits)), $"{name} differs from the uninterrupted run");
    }

    [TestMethod]
    public void BuiltInSgdWhoseMomentumBufferAppearsAtTheFirstStepResumesBitwise()
    {
        // TorchSharp's SGD creates a momentum buffer at a parameter's first step: the fresh optimizer of the resumed
        // run has none until the checkpoint's is put in.
        static Sgd Sgd() => new() { LearningRate = 0.01, Momentum = 0.9, Nesterov = true };
        Dictionary<string, float[]> uninterrupted;
        using (var model = Fit(Options(2, Sgd()))) uninterrupted = Weights(model.Module);
        var checkpoint = Path.Combine(_folder.Path, "sgd.ckpt");
        using (Fit(Options(1, Sgd(), checkpoint))) { }
        using (var contents = CnnCheckpoint.Read(checkpoint))
        {
            Assert.AreEqual("sgd", contents.Optimizer!.Document.Optimizer);
            Assert.IsTrue(contents.Optimizer.Document.Parameters.All(p => p.State.SequenceEqual(["momentum_buffer"])), "one momentum buffer per parameter");
        }
        using var resumed = Fit(Options(2, Sgd(), resume: checkpoint));
        foreach (var (name, values) in uninterrupted)
            Assert.IsTrue(values.Select(BitConverter.SingleToInt32Bits).SequenceEqual(Weights(resumed.Module)[name].Select(BitConverter.SingleToInt32Bits)), $"{name} differs from the uninterrupted run");
    }

    [TestMethod]
    public void ResumingWithOtherSettingsOfTheOptimizerNamesTheSetting()
    {
        var checkpoint = Path.Combine(_folder.Path, "settings.ckpt");
        using (Fit(Options(1, Settings(), checkpoint))) { }
        var other = Settings();
        other.Alpha = 0.95;
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => Fit(Options(2, other, resume: checkpoint)));
        StringAssert.Contains(error.Message, "it was trained with Optimizer.Alpha = 0.9; the options say 0.95");
        var adam = new CnnTrainerOptions { Architecture = CnnArchitectures.MnistCnn, Epochs = 2, BatchSize = 32, Seed = 5, ReportEveryBatches = 0, Checkpoints = { ResumeFrom = checkpoint } };
        var kind = Assert.ThrowsExactly<InvalidOperationException>(() => Fit(adam));
        StringAssert.Contains(kind.Message, $"it was trained with Optimizer = {Name}; the options say adam");
    }

    private static Dictionary<string, float[]> Weights(nn.Module<Tensor, Tensor> module) =>
        module.state_dict().ToDictionary(p => p.Key, p => p.Value.cpu().data<float>().ToArray());
}

/// <summary>RMSprop (<c>torch.optim.RMSprop</c>) as a user would add it: its settings, and the TorchSharp optimizer they make.</summary>
public sealed class RmsProp : CnnOptimizer
{
    /// <summary>Smoothing constant of the squared-gradient average, in [0, 1). Default 0.99, PyTorch's.</summary>
    public double Alpha { get; set; } = 0.99;

    /// <summary>Added to the denominator. Default 1e-8.</summary>
    public double Eps { get; set; } = 1e-8;

    /// <summary>Momentum, in [0, 1). Default 0.</summary>
    public double Momentum { get; set; }

    /// <summary>Normalize by the gradient's estimated variance. Default false.</summary>
    public bool Centered { get; set; }

    /// <inheritdoc />
    public override optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.RMSProp(parameters, LearningRate, Alpha, Eps, momentum: Momentum, centered: Centered);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        RequireFraction(Alpha, nameof(Alpha));
        RequireNonNegative(Eps, nameof(Eps));
        RequireFraction(Momentum, nameof(Momentum));
    }
}
