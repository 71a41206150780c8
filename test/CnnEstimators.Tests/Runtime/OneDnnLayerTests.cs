using CnnMl.Architectures;
using CnnMl.Runtime;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Tests.Runtime;

/// <summary>
/// <see cref="OneDnnMode.Auto"/>: when libtorch chooses oneDNN, the probe against float64, its cache, and the
/// per-layer fallback — with wrong results injected through the probe's seam, since oneDNN is right on this machine.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class OneDnnLayerTests
{
    private static readonly ImageShape DepthwiseInput = new(8, 14, 14);

    private Func<ConvolutionConfiguration, OneDnnProbeResult> _measure = null!;
    private bool _enabled;

    [TestInitialize]
    public void RememberGlobalState()
    {
        _measure = OneDnnProbe.Measure;
        _enabled = OneDnnConvolutions.Enabled ?? throw new AssertFailedException("at::Context::setUserEnabledMkldnn must be exported by libtorch_cpu");
        OneDnnConvolutions.TrySet(true);
        OneDnnProbe.ResetForTesting();
    }

    [TestCleanup]
    public void RestoreGlobalState()
    {
        OneDnnProbe.Measure = _measure;
        OneDnnProbe.ResetForTesting();
        OneDnnConvolutions.TrySet(_enabled);
    }

    /// <summary>
    /// The premise of the per-layer switch: libtorch reads the oneDNN flag when the convolution's backward node runs,
    /// not when the forward pass built it. oneDNN and the native kernel sum in different orders, so their float32
    /// gradients differ in the last bits; a forward with oneDNN on and a backward with it off give exactly the
    /// all-off gradients, and the reverse exactly the all-on ones.
    /// </summary>
    [TestMethod]
    public void TheBackendIsChosenWhenTheBackwardRuns()
    {
        using var scope = NewDisposeScope();
        var (x, w, g) = ConvolutionData(seed: 3);
        var allOn = Gradients(x, w, g, forwardOneDnn: true, backwardOneDnn: true);
        var allOff = Gradients(x, w, g, forwardOneDnn: false, backwardOneDnn: false);
        var onThenOff = Gradients(x, w, g, forwardOneDnn: true, backwardOneDnn: false);
        var offThenOn = Gradients(x, w, g, forwardOneDnn: false, backwardOneDnn: true);

        Assert.IsFalse(BitwiseEqual(allOn.Input, allOff.Input), "oneDNN and the native kernel must give distinguishable input gradients for this test to mean anything");
        Assert.IsFalse(BitwiseEqual(allOn.Weight, allOff.Weight), "the same for the weight gradient");
        Assert.IsTrue(BitwiseEqual(onThenOff.Input, allOff.Input) && BitwiseEqual(onThenOff.Weight, allOff.Weight), "forward on, backward off = all off");
        Assert.IsTrue(BitwiseEqual(offThenOn.Input, allOn.Input) && BitwiseEqual(offThenOn.Weight, allOn.Weight), "forward off, backward on = all on");
    }

    [TestMethod]
    public void TheProbeFlagsAFloat32ConvolutionWhoseGradientsDifferFromFloat64()
    {
        var configuration = EightChannels(batch: 16, needsInputGradient: true);
        // Same forward values, but the gradients reaching the input are halved and those reaching the weight × 1.5.
        Tensor HalfWrong(Tensor x, Tensor w, Tensor? b)
        {
            var exact = configuration.Convolve(x, w, b);
            var inputPath = configuration.Convolve(x, w.detach(), b);
            return exact.detach() + 0.5 * (inputPath - inputPath.detach()) + 1.5 * (configuration.Convolve(x.detach(), w, b) - exact.detach());
        }

        var wrong = OneDnnProbe.MeasureAgainstFloat64(configuration, HalfWrong);
        Assert.IsTrue(wrong.ForwardRight, $"the forward values are exact: {wrong.Errors}");
        Assert.IsFalse(wrong.BackwardRight);
        Assert.AreEqual(0.5, wrong.InputGradientError!.Value, 1e-3, wrong.Errors);
        Assert.AreEqual(0.5, wrong.WeightGradientError, 1e-3, wrong.Errors);

        var nan = OneDnnProbe.MeasureAgainstFloat64(configuration, (x, w, b) => configuration.Convolve(x, w, b) * (x.sum() * double.NaN + 1).detach());
        Assert.IsFalse(nan.ForwardRight, "NaN counts as wrong");
    }

    [TestMethod]
    public void TheProbeAcceptsLibtorchsNativeFloat32Convolution()
    {
        var configuration = EightChannels(batch: 16, needsInputGradient: true);
        var native = OneDnnProbe.MeasureAgainstFloat64(configuration, (x, w, b) =>
        {
            OneDnnConvolutions.TrySet(false); // inside the probe's oneDNN-on section; put back before it ends
            try
            {
                return configuration.Convolve(x, w, b);
            }
            finally
            {
                OneDnnConvolutions.TrySet(true);
            }
        });
        Assert.IsTrue(native.Right, native.Errors);
        Assert.IsLessThan(1e-5, native.WeightGradientError, native.Errors);
        Assert.IsLessThan(1e-5, native.InputGradientError!.Value, native.Errors);
    }

    [TestMethod]
    public void TheProbeMeasuresEachConfigurationOncePerProcess()
    {
        var measured = new List<ConvolutionConfiguration>();
        OneDnnProbe.Measure = c =>
        {
            measured.Add(c);
            return _measure(c);
        };
        var configuration = EightChannels(batch: 16, needsInputGradient: true);
        var first = OneDnnProbe.Check(configuration);
        var again = OneDnnProbe.Check(EightChannels(batch: 16, needsInputGradient: true));
        OneDnnProbe.Check(EightChannels(batch: 5, needsInputGradient: true));
        OneDnnProbe.Check(EightChannels(batch: 16, needsInputGradient: false));
        OneDnnProbe.Check(ConvolutionConfiguration.Create([16, 8, 14, 14], [8, 8, 3, 3], 1, [1, 1], [1, 1], [1, 1], true, true, threads: 7));

        Assert.AreSame(first, again);
        Assert.HasCount(4, measured, string.Join(Environment.NewLine, measured));
        Assert.AreEqual("conv2d 16×8×14×14 → 8 channels (kernel 3×3, groups 1, stride 1×1, padding 1×1, dilation 1×1, bias), input and weight gradients, 2 thread(s)",
            EightChannels(batch: 16, needsInputGradient: true, threads: 2).Description);
    }

    /// <summary>
    /// One layer the probe reports wrong: its weight and input gradients are bit for bit those of a backward pass
    /// with oneDNN off, although the switch is on around it — and the switch is on again afterwards.
    /// </summary>
    [TestMethod]
    public void ALayerFoundWrongComputesItsBackwardWithoutOneDnn()
    {
        OneDnnProbe.Measure = WrongBackward;
        using var scope = NewDisposeScope();
        var (x0, w, g) = ConvolutionData(seed: 5);
        var allOn = Gradients(x0, w, g, forwardOneDnn: true, backwardOneDnn: true);
        var backwardOff = Gradients(x0, w, g, forwardOneDnn: true, backwardOneDnn: false);

        using var network = nn.Sequential(("conv", nn.Conv2d(8, 8, 3, padding: 1, bias: false)));
        using (no_grad()) ((Conv2d)network[0]).weight.copy_(w);
        using var policy = OneDnnLayerPolicy.Install(network, DepthwiseInput, [x0.shape[0]]);
        var held = OneDnnLayerSwitch.TimesHeld;
        var x = x0.clone().requires_grad_(true);
        network.call(x).backward([g]);

        CollectionAssert.AreEqual(new[] { "conv" }, policy.AffectedLayers.ToArray());
        Assert.AreEqual(1, OneDnnLayerSwitch.TimesHeld - held, "one backward pass held oneDNN off");
        Assert.AreEqual(0, OneDnnLayerSwitch.Holders);
        Assert.IsTrue(OneDnnConvolutions.Enabled, "oneDNN is on again after the layer's backward");
        var weightGradient = ((Conv2d)network[0]).weight.grad!;
        Assert.IsTrue(BitwiseEqual(weightGradient, backwardOff.Weight) && BitwiseEqual(x.grad!, backwardOff.Input), "the layer's backward ran without oneDNN");
        Assert.IsFalse(BitwiseEqual(weightGradient, allOn.Weight));
        StringAssert.Contains(policy.Description, "'conv' backward");
    }

    /// <summary>
    /// The acceptance test of the probe: results injected as wrong for the grouped (depthwise) convolutions of a
    /// registry network make exactly those layers fall back, every other layer keeps oneDNN, and the gradients of
    /// every parameter equal float64's.
    /// </summary>
    [TestMethod]
    public void InjectedWrongGradientsMakeOnlyTheAffectedLayersAvoidOneDnnAndGradientsMatchFloat64()
    {
        OneDnnProbe.Measure = c => c.Groups > 1 ? WrongBackward(c) : _measure(c);
        var shape = new ImageShape(1, 28, 28);
        const int Batch = 16;
        random.manual_seed(21);
        using var network = CnnArchitectures.Get(CnnArchitectures.DepthwiseSeparable).Create(shape, 10);
        random.manual_seed(21);
        using var reference = CnnArchitectures.Get(CnnArchitectures.DepthwiseSeparable).Create(shape, 10);
        reference.to(float64);
        var grouped = network.named_modules().Where(m => m.module is Conv2d { groups: > 1 }).Select(m => m.name).ToArray();
        Assert.HasCount(4, grouped, "depthwise-separable has one depthwise convolution per block");

        using var policy = OneDnnLayerPolicy.Install(network, shape, [Batch]);
        CollectionAssert.AreEqual(grouped, policy.AffectedLayers.ToArray());
        var layers = policy.Results;
        Assert.HasCount(1 + 2 * 4, layers, "stem, then a depthwise and a pointwise convolution per block");
        Assert.IsTrue(layers.Where(l => !grouped.Contains(l.Key)).All(l => l.Value.All(r => r.Right)), "the other layers keep oneDNN");

        var held = OneDnnLayerSwitch.TimesHeld;
        AssertGradientsMatchFloat64(network, reference, shape, Batch);
        Assert.AreEqual(grouped.Length, OneDnnLayerSwitch.TimesHeld - held, "each depthwise layer's backward held oneDNN off once");
    }

    /// <summary>
    /// CondenseNet's learned group convolutions compute their 1×1 convolution themselves (<see cref="IRunsOwnConvolution"/>):
    /// the probe sees them as the layers, not their unused <c>conv</c> children, and when their configuration is reported
    /// wrong, the whole layer (batch norm, ReLU, masked convolution) computes its backward without oneDNN — still exactly.
    /// </summary>
    [TestMethod]
    public void ALayerThatRunsItsOwnConvolutionFallsBackAsAWhole()
    {
        OneDnnProbe.Measure = c => c.Weight[2] == 1 ? WrongBackward(c) : _measure(c);
        var shape = new ImageShape(1, 28, 28);
        random.manual_seed(5);
        using var network = CnnArchitectures.Get(CnnArchitectures.CondenseNet).Create(shape, 10);
        random.manual_seed(5);
        using var reference = CnnArchitectures.Get(CnnArchitectures.CondenseNet).Create(shape, 10);
        reference.to(float64);
        var learned = network.named_modules().Where(m => m.module is LearnedGroupConv).Select(m => m.name).ToArray();
        Assert.IsNotEmpty(learned);

        using var policy = OneDnnLayerPolicy.Install(network, shape, [8]);
        CollectionAssert.AreEqual(learned, policy.AffectedLayers.ToArray(), "every 1×1 convolution of this network is a learned group convolution");
        Assert.IsFalse(policy.Results.Keys.Any(name => name.EndsWith(".conv", StringComparison.Ordinal) && learned.Contains(name[..^".conv".Length])),
            "the unused conv children are not probed");
        var held = OneDnnLayerSwitch.TimesHeld;
        AssertGradientsMatchFloat64(network, reference, shape, 8);
        Assert.AreEqual(learned.Length, OneDnnLayerSwitch.TimesHeld - held);
    }

    [TestMethod]
    public void FitInAutoModeLogsWhatTheProbeDecided()
    {
        OneDnnProbe.Measure = c => c.Groups > 1 ? WrongBackward(c) : _measure(c);
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) =>
        {
            lock (log) log.Add(e.Message);
        };
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.DepthwiseSeparable, Epochs = 1, BatchSize = 24, ReportEveryBatches = 0,
        }).Fit(SyntheticImages.Create(60));

        var decision = model.TrainingSummary!.OneDnn!;
        StringAssert.StartsWith(decision, "oneDNN probe: ");
        StringAssert.Contains(decision, "oneDNN is wrong in 4 layer(s)");
        StringAssert.Contains(decision, "'features.0.depthwise' backward (conv2d 24×16×28×28");
        StringAssert.Contains(decision, "18 convolution configuration(s) in 9 layer(s)", "9 layers, each at batch 24 and at 12 (the last batch of 60 images)");
        Assert.IsTrue(log.Any(m => m.Contains(decision, StringComparison.Ordinal)), "the decision is in MLContext.Log");
        Assert.IsTrue(OneDnnConvolutions.Enabled, "oneDNN is back on after Fit");
        Assert.AreEqual(0, OneDnnLayerSwitch.Holders);

        using var forced = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.DepthwiseSeparable, Epochs = 1, BatchSize = 24, ReportEveryBatches = 0, OneDnn = OneDnnMode.On,
        }).Fit(SyntheticImages.Create(60));
        Assert.AreEqual("oneDNN on (OneDnn = On)", forced.TrainingSummary!.OneDnn);
    }

    private static void AssertGradientsMatchFloat64(nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor> reference, ImageShape shape, int batch)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        var images = rand(shape.WithBatch(batch), generator: generator);
        var labels = randint(0, 10, [batch], generator: generator);
        nn.functional.cross_entropy(network.call(images), labels).backward();
        nn.functional.cross_entropy(reference.call(images.to(float64)), labels).backward();

        // Errors relative to the network's largest gradient: the batch-norm scales in front of a convolution and another
        // batch norm are scale-invariant, so their exact gradients are ~1e-6 of the others and float32 gets them only
        // to a few per cent (oneDNN on or off alike) — cancellation, not the kernels.
        var expected = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        var scale = expected.Values.Max(g => g.abs().max().item<double>());
        foreach (var (name, parameter) in network.named_parameters())
        {
            var error = (parameter.grad!.to(float64) - expected[name]).abs().max().item<double>() / scale;
            Assert.IsLessThan(1e-5, error, $"{name}: gradient differs from float64 by {error:G3} of the largest gradient");
        }
    }

    private static OneDnnProbeResult WrongBackward(ConvolutionConfiguration c) => new(c, 0, c.NeedsInputGradient ? 0.5 : null, 0.5, 0);

    private static ConvolutionConfiguration EightChannels(long batch, bool needsInputGradient, int? threads = null) =>
        ConvolutionConfiguration.Create([batch, 8, 14, 14], [8, 8, 3, 3], 1, [1, 1], [1, 1], [1, 1], true, needsInputGradient, threads ?? get_num_threads());

    private static (Tensor X, Tensor W, Tensor G) ConvolutionData(int seed)
    {
        using var generator = new Generator((ulong)seed);
        return (randn([64, 8, 14, 14], generator: generator), randn([8, 8, 3, 3], generator: generator), randn([64, 8, 14, 14], generator: generator));
    }

    private static (Tensor Input, Tensor Weight) Gradients(Tensor x0, Tensor w0, Tensor g, bool forwardOneDnn, bool backwardOneDnn)
    {
        var x = x0.clone().requires_grad_(true);
        var w = w0.clone().requires_grad_(true);
        try
        {
            OneDnnConvolutions.TrySet(forwardOneDnn);
            var y = nn.functional.conv2d(x, w, padding: [1, 1]);
            OneDnnConvolutions.TrySet(backwardOneDnn);
            y.backward([g]);
        }
        finally
        {
            OneDnnConvolutions.TrySet(true);
        }
        return (x.grad!.clone(), w.grad!.clone());
    }

    private static bool BitwiseEqual(Tensor a, Tensor b) => a.eq(b).all().item<bool>();
}
