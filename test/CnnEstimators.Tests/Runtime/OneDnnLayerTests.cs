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
/// per-layer fallback. Whether libtorch's real oneDNN kernels are right depends on the machine (wrong for about one
/// configuration in five on an AMD EPYC Zen 5, right for 300 of 300 on an Intel AVX-512 machine), so the tests inject
/// their own wrong convolution: libtorch's native convolution (right on any CPU), whose gradients are scaled when the
/// oneDNN switch is on as its backward runs — a oneDNN backward that really is wrong, by a known amount.
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

        // The native kernel is deterministic; oneDNN's sums in another order, and on a CPU where its kernel is defective
        // (Zen 5: wrong, varying from run to run) it does not even repeat itself. So the backend that ran is told by
        // comparison with the native result, which needs no assumption about oneDNN beyond differing from it.
        var allOffAgain = Gradients(x, w, g, forwardOneDnn: false, backwardOneDnn: false);
        Assert.IsTrue(BitwiseEqual(allOffAgain.Input, allOff.Input) && BitwiseEqual(allOffAgain.Weight, allOff.Weight), "the native kernel repeats itself bit for bit");
        Assert.IsFalse(BitwiseEqual(allOn.Input, allOff.Input) || BitwiseEqual(allOn.Weight, allOff.Weight),
            "assumes oneDNN's gradients differ from the native kernel's in some bit (they sum in another order), for this test to tell the backends apart");
        Assert.IsTrue(BitwiseEqual(onThenOff.Input, allOff.Input) && BitwiseEqual(onThenOff.Weight, allOff.Weight), "forward on, backward off = all off");
        Assert.IsFalse(BitwiseEqual(offThenOn.Input, allOff.Input) || BitwiseEqual(offThenOn.Weight, allOff.Weight), "forward off, backward on: not the native backward");
        // Where oneDNN computed both right (a CPU where its kernel is sound, e.g. the Intel machine; on Zen 5 it is right
        // only now and then), the backward on is exactly the all-on backward: one deterministic kernel.
        var exact = Gradients(x.to(float64), w.to(float64), g.to(float64), forwardOneDnn: false, backwardOneDnn: false);
        bool Right((Tensor Input, Tensor Weight) gradients) =>
            RelativeError(gradients.Input, exact.Input) < 1e-5 && RelativeError(gradients.Weight, exact.Weight) < 1e-5;
        if (Right(allOn) && Right(offThenOn))
            Assert.IsTrue(BitwiseEqual(offThenOn.Input, allOn.Input) && BitwiseEqual(offThenOn.Weight, allOn.Weight), "forward off, backward on = all on");
    }

    [TestMethod]
    public void TheProbeFlagsAFloat32ConvolutionWhoseGradientsDifferFromFloat64()
    {
        var configuration = EightChannels(batch: 16, needsInputGradient: true);
        // libtorch's native convolution (right on any CPU) with the same forward values, but the gradients reaching the
        // input halved and those reaching the weight × 1.5.
        Tensor HalfWrong(Tensor x, Tensor w, Tensor? b)
        {
            var exact = NativeConvolution(configuration, x, w, b);
            var inputPath = NativeConvolution(configuration, x, w.detach(), b);
            return exact.detach() + 0.5 * (inputPath - inputPath.detach()) + 1.5 * (NativeConvolution(configuration, x.detach(), w, b) - exact.detach());
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
        // Forward and backward without oneDNN: the switch is read again when the backward runs, so switching it off
        // around the forward alone would check oneDNN's backward (on Zen 5: input gradients 0.2–0.9 off, or NaN).
        var native = OneDnnProbe.MeasureAgainstFloat64(configuration, (x, w, b) => NativeConvolution(configuration, x, w, b));
        Assert.IsTrue(native.Right, native.Errors);
        Assert.IsLessThan(1e-5, native.WeightGradientError, native.Errors);
        Assert.IsLessThan(1e-5, native.InputGradientError!.Value, native.Errors);
    }

    /// <summary>Around the tolerance (1e-3): a backward wrong by 2e-3 is flagged, one wrong by 5e-4 is accepted.</summary>
    [TestMethod]
    [DataRow(2e-3, false, DisplayName = "gradients 2e-3 off: wrong")]
    [DataRow(5e-4, true, DisplayName = "gradients 5e-4 off: within the tolerance")]
    public void TheProbeMeasuresAWrongBackwardToItsTolerance(double error, bool accepted)
    {
        var configuration = EightChannels(batch: 16, needsInputGradient: true);
        var result = OneDnnProbe.MeasureAgainstFloat64(configuration, WrongWhenOneDnnIsOn(configuration, error));
        Assert.IsTrue(result.ForwardRight, result.Errors);
        Assert.AreEqual(error, result.InputGradientError!.Value, 1e-5, result.Errors);
        Assert.AreEqual(error, result.WeightGradientError, 1e-5, result.Errors);
        Assert.AreEqual(accepted, result.BackwardRight, result.Errors);
    }

    /// <summary>
    /// What the fallback relies on: libtorch's native kernels match float64 on any CPU, for random configurations like
    /// those of the registry's networks (1–40 channels, depthwise, 1×1 and 3×3, stride 1–2, batch 1–8, 4–16 px). Also
    /// prints how many of them this CPU's oneDNN kernels get wrong (the figure in the README).
    /// </summary>
    [TestMethod]
    public void OnRandomConfigurationsTheNativeKernelsMatchFloat64()
    {
        var random = new Random(20261207);
        var oneDnnWrong = new List<string>();
        const int Configurations = 16;
        for (var i = 0; i < Configurations; i++)
        {
            var channels = random.Next(1, 41);
            var depthwise = random.Next(3) == 0;
            var outputs = depthwise ? channels * random.Next(1, 3) : random.Next(1, 41);
            var kernel = random.Next(2) == 0 ? 1 : 3;
            var stride = random.Next(1, 3);
            var size = random.Next(4, 17);
            var configuration = ConvolutionConfiguration.Create([new[] { 1, 4, 8 }[random.Next(3)], channels, size, size],
                [outputs, depthwise ? 1 : channels, kernel, kernel], depthwise ? channels : 1, [stride, stride], [kernel / 2, kernel / 2], [1, 1],
                hasBias: true, needsInputGradient: true, get_num_threads());
            var native = OneDnnProbe.MeasureAgainstFloat64(configuration, (x, w, b) => NativeConvolution(configuration, x, w, b));
            Assert.IsTrue(native.Right && native.InputGradientError < 1e-5 && native.WeightGradientError < 1e-5 && native.OutputError < 1e-5,
                $"native kernels on {configuration}: {native.Errors}");
            var oneDnn = OneDnnProbe.MeasureAgainstFloat64(configuration);
            if (!oneDnn.Right) oneDnnWrong.Add($"{configuration}: {oneDnn.Errors}");
        }
        Console.WriteLine($"native kernels right for {Configurations} of {Configurations} configurations; oneDNN wrong for {oneDnnWrong.Count} on this CPU");
        foreach (var line in oneDnnWrong) Console.WriteLine("  " + line);
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
        Assert.IsFalse(BitwiseEqual(weightGradient, allOn.Weight), "assumes oneDNN's weight gradient differs from the native kernel's in some bit (another summation order)");
        StringAssert.Contains(policy.Description, "'conv' backward");
    }

    /// <summary>
    /// The acceptance test of the probe: the grouped (depthwise) convolutions of a registry network are given a oneDNN
    /// backward that really is wrong — their gradients 2e-3 too large while the switch is on — and the real probe
    /// measures it. Exactly those layers fall back (besides any layer whose real oneDNN kernel the probe found wrong on
    /// this CPU), and every parameter's gradient then equals float64's; without the fallback the depthwise weights'
    /// gradients are 2e-3 off. A backward 5e-4 off is within the probe's tolerance: those layers keep oneDNN, and
    /// their gradients stay 5e-4 off.
    /// </summary>
    [TestMethod]
    [DataRow(2e-3, DisplayName = "2e-3 off: the depthwise layers fall back, gradients equal float64's")]
    [DataRow(5e-4, DisplayName = "5e-4 off: within the tolerance, the depthwise layers keep oneDNN")]
    public void AReallyWrongBackwardMakesOnlyTheAffectedLayersFallBackAndGradientsMatchFloat64(double error)
    {
        var fallsBack = error > OneDnnProbe.Tolerance;
        OneDnnProbe.Measure = c => c.Groups > 1 ? OneDnnProbe.MeasureAgainstFloat64(c, WrongWhenOneDnnIsOn(c, error)) : _measure(c);
        var shape = new ImageShape(1, 12, 12); // small: the network's smallest input is 8×8
        const int Batch = 8;
        using var network = DepthwiseSeparableWithWrongOneDnn(shape, error, out var grouped);
        using var reference = DepthwiseSeparableWithWrongOneDnn(shape, 0, out _);
        reference.to(float64);
        Assert.HasCount(4, grouped, "depthwise-separable has one depthwise convolution per block");

        using (var policy = OneDnnLayerPolicy.Install(network, shape, [Batch]))
        {
            var layers = policy.Results;
            Assert.HasCount(1 + 2 * 4, layers, "stem, then a depthwise and a pointwise convolution per block");
            // The other layers fall back only where this CPU's own oneDNN kernel was measured wrong (none on the Intel
            // machine; some on Zen 5), which the float64 comparison below covers either way.
            CollectionAssert.AreEqual(fallsBack ? grouped : [], grouped.Where(policy.AffectedLayers.Contains).ToArray(), policy.Description);

            var held = OneDnnLayerSwitch.TimesHeld;
            var errors = GradientErrors(network, reference, shape, Batch);
            if (fallsBack)
            {
                foreach (var (name, e) in errors)
                    Assert.IsLessThan(1e-5, e, $"{name}: gradient differs from float64 by {e:G3} of the largest gradient");
                Assert.IsGreaterThanOrEqualTo(grouped.Length, OneDnnLayerSwitch.TimesHeld - held, "each depthwise layer's backward held oneDNN off");
            }
            else
            {
                // Each depthwise layer's gradient is scaled by its own error and by that of every depthwise layer after it.
                var accepted = OwnErrors(network, reference, shape, Batch);
                for (var k = 0; k < grouped.Length; k++)
                {
                    var expected = Math.Pow(1 + error, grouped.Length - k) - 1;
                    Assert.AreEqual(expected, accepted[grouped[k] + ".weight"], expected / 10, $"{grouped[k]}: the accepted error remains");
                }
            }
        }

        // The same network and data without the policy (oneDNN on throughout): the depthwise weights' gradients are off.
        var unprotected = OwnErrors(network, reference, shape, Batch);
        foreach (var layer in grouped)
            Assert.IsFalse(unprotected[layer + ".weight"] < 0.9 * error, $"{layer}: without the fallback its weight gradient is {unprotected[layer + ".weight"]:G3} off");
    }

    /// <summary>
    /// depthwise-separable whose depthwise convolutions compute with libtorch's native kernels and have gradients
    /// (1 + <paramref name="error"/>) times too large when the oneDNN switch is on as their backward runs.
    /// </summary>
    private static nn.Module<Tensor, Tensor> DepthwiseSeparableWithWrongOneDnn(ImageShape shape, double error, out string[] grouped)
    {
        random.manual_seed(21);
        var network = CnnArchitectures.Get(CnnArchitectures.DepthwiseSeparable).Create(shape, 10);
        var convolutions = network.named_modules().Where(m => m.module is Conv2d { groups: > 1 }).ToArray();
        grouped = convolutions.Select(m => m.name).ToArray();
        foreach (var (_, module) in convolutions)
        {
            var convolution = (Conv2d)module;
            // Replaces the module's output (registered before the policy's hooks, which then wrap this one).
            convolution.register_forward_hook((_, input, _) =>
            {
                var configuration = ConvolutionConfiguration.Of(convolution, input.shape, input.requires_grad);
                return WrongWhenOneDnnIsOn(configuration, error)(input, convolution.weight, convolution.bias);
            });
        }
        return network;
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
        // Every 1×1 convolution of this network is a learned group convolution; other layers fall back only where this
        // CPU's own oneDNN kernel was measured wrong.
        CollectionAssert.IsSubsetOf(learned, policy.AffectedLayers.ToArray(), policy.Description);
        Assert.IsFalse(policy.Results.Keys.Any(name => name.EndsWith(".conv", StringComparison.Ordinal) && learned.Contains(name[..^".conv".Length])),
            "the unused conv children are not probed");
        var held = OneDnnLayerSwitch.TimesHeld;
        AssertGradientsMatchFloat64(network, reference, shape, 8);
        Assert.IsGreaterThanOrEqualTo(learned.Length, OneDnnLayerSwitch.TimesHeld - held);
    }

    [TestMethod]
    public void FitInAutoModeLogsWhatTheProbeDecided()
    {
        // Verdicts only (this test is about the log): the grouped convolutions wrong, the others right.
        OneDnnProbe.Measure = c => c.Groups > 1 ? WrongBackward(c) : new OneDnnProbeResult(c, 0, c.NeedsInputGradient ? 0 : null, 0, 0);
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
        foreach (var (name, error) in GradientErrors(network, reference, shape, batch))
            Assert.IsLessThan(1e-5, error, $"{name}: gradient differs from float64 by {error:G3} of the largest gradient");
    }

    /// <summary>
    /// Each parameter's gradient error against the float64 reference, relative to the network's largest gradient: the
    /// batch-norm scales in front of a convolution and another batch norm are scale-invariant, so their exact gradients
    /// are ~1e-6 of the others and float32 gets them only to a few per cent (oneDNN on or off alike) — cancellation,
    /// not the kernels.
    /// </summary>
    private static Dictionary<string, double> GradientErrors(nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor> reference, ImageShape shape, int batch)
    {
        var (gradients, expected) = GradientsOfBoth(network, reference, shape, batch);
        var scale = expected.Values.Max(g => g.abs().max().item<double>());
        return gradients.ToDictionary(p => p.Key, p => (p.Value.to(float64) - expected[p.Key]).abs().max().item<double>() / scale);
    }

    /// <summary>Each parameter's gradient error against the float64 reference, relative to that parameter's own largest gradient.</summary>
    private static Dictionary<string, double> OwnErrors(nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor> reference, ImageShape shape, int batch)
    {
        var (gradients, expected) = GradientsOfBoth(network, reference, shape, batch);
        return gradients.ToDictionary(p => p.Key, p => (p.Value.to(float64) - expected[p.Key]).abs().max().item<double>() / expected[p.Key].abs().max().item<double>());
    }

    private static (Dictionary<string, Tensor> Network, Dictionary<string, Tensor> Reference) GradientsOfBoth(
        nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor> reference, ImageShape shape, int batch)
    {
        network.zero_grad();
        reference.zero_grad();
        using var generator = new Generator(4);
        var images = rand(shape.WithBatch(batch), generator: generator);
        var labels = randint(0, 10, [batch], generator: generator);
        nn.functional.cross_entropy(network.call(images), labels).backward();
        nn.functional.cross_entropy(reference.call(images.to(float64)), labels).backward();
        return (network.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone()),
            reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone()));
    }

    /// <summary>libtorch's native convolution, forward and backward whatever the switch says: right on any CPU.</summary>
    private static Tensor NativeConvolution(ConvolutionConfiguration configuration, Tensor x, Tensor w, Tensor? b)
    {
        Tensor y;
        OneDnnLayerSwitch.HoldOff();
        try
        {
            y = configuration.Convolve(x, w, b);
        }
        finally
        {
            OneDnnLayerSwitch.Release();
        }
        Tensor[] parameters = b is null ? [w] : [w, b];
        return OneDnnOffBackward.Wrap(y, x, parameters.Where(p => p.requires_grad).ToArray());
    }

    /// <summary>
    /// A convolution whose oneDNN backward really is wrong: the native convolution, with every gradient (1 + <paramref name="error"/>)
    /// times too large when the oneDNN switch is on as the backward runs, and exact when it is off.
    /// </summary>
    private static Func<Tensor, Tensor, Tensor?, Tensor> WrongWhenOneDnnIsOn(ConvolutionConfiguration configuration, double error) =>
        (x, w, b) => ScaledWhenOneDnnIsOn.apply(NativeConvolution(configuration, x, w, b), 1 + error)[0];

    /// <summary>Identity forward; the backward multiplies the gradient by a factor when the oneDNN switch is on.</summary>
    private sealed class ScaledWhenOneDnnIsOn : autograd.MultiTensorFunction<ScaledWhenOneDnnIsOn>
    {
        public override string Name => nameof(ScaledWhenOneDnnIsOn);

        public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_data("factor", vars[1]);
            return [((Tensor)vars[0]).detach()];
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
        {
            var factor = OneDnnConvolutions.Enabled == true ? (double)ctx.get_data("factor") : 1.0;
            return [grad_outputs[0] * factor, null!];
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

    /// <summary>max |a − reference| / max |reference| (NaN in <paramref name="a"/> gives NaN, which compares false).</summary>
    private static double RelativeError(Tensor a, Tensor reference) =>
        (a.to(float64) - reference).abs().max().item<double>() / reference.abs().max().item<double>();
}
