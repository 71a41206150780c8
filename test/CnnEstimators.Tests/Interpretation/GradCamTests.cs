using CnnMl.Architectures;
using CnnMl.Interpretation;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Tests.Interpretation;

/// <summary>
/// Grad-CAM against a hand computation on a tiny network, conv(1→2, 3×3) → ReLU → global average pool → linear,
/// whose class score's gradient with respect to the ReLU's output is the linear layer's row / 4 (the 2×2 map's size).
/// </summary>
[TestClass]
public sealed class GradCamTests
{
    // The 4×4 input; kernel 0 reads each window's top-left pixel, kernel 1 (bias −1) its bottom-right one.
    private static readonly float[] Input = [1, 2, 0, 3, 4, 0, 5, 1, 2, 6, 1, 0, 0, 3, 2, 7];

    /// <summary>
    /// conv: channel 0 = [[1, 2], [4, 0]], channel 1 = [[0, −1], [1, 6]]; after the ReLU A0 = [[1, 2], [4, 0]],
    /// A1 = [[0, 0], [1, 6]], both with mean 7/4. Linear rows (2, −1) and (−1, 1), no bias: logits (1.75, 0).
    /// </summary>
    private static Sequential TinyNetwork()
    {
        var network = Sequential(
            ("conv", Conv2d(1, 2, 3)),
            ("relu", ReLU()),
            ("pool", AdaptiveAvgPool2d(1)),
            ("flatten", Flatten()),
            ("fc", Linear(2, 2, hasBias: false)));
        using (no_grad())
        {
            var kernels = zeros(2, 1, 3, 3);
            kernels[0, 0, 0, 0] = tensor(1f);
            kernels[1, 0, 2, 2] = tensor(1f);
            network.named_parameters().Single(p => p.name == "conv.weight").parameter.copy_(kernels);
            network.named_parameters().Single(p => p.name == "conv.bias").parameter.copy_(tensor(new[] { 0f, -1f }));
            network.named_parameters().Single(p => p.name == "fc.weight").parameter.copy_(tensor(new[] { 2f, -1f, -1f, 1f }, [2, 2]));
        }
        return network;
    }

    private static readonly ImageShape TinyInput = new(1, 4, 4);

    /// <summary>
    /// A 2×2 map upsampled to 4×4 as PyTorch's bilinear interpolation with align_corners=False does it: output
    /// pixel i reads source coordinate (i + 0.5) / 2 − 0.5, clamped to [0, 1]; rows weigh (1, 0), (0.75, 0.25),
    /// (0.25, 0.75), (0, 1). Then divided by the largest value (the smallest is 0 in every case here).
    /// </summary>
    private static float[] Upsampled(double[,] map)
    {
        double[][] weights = [[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]];
        var result = new double[16];
        for (var y = 0; y < 4; y++)
        {
            for (var x = 0; x < 4; x++)
            {
                for (var i = 0; i < 2; i++)
                {
                    for (var j = 0; j < 2; j++) result[y * 4 + x] += weights[y][i] * weights[x][j] * map[i, j];
                }
            }
        }
        var max = result.Max();
        return result.Select(v => (float)(v / max)).ToArray();
    }

    /// <summary>
    /// As <see cref="Upsampled"/>, then scaled from [min, max] to [0, 1] — the general min-max scaling, for a map whose
    /// smallest upsampled value is not 0.
    /// </summary>
    private static float[] UpsampledMinMax(double[,] map)
    {
        var scaledByMax = Upsampled(map).Select(v => (double)v).ToArray();
        var (low, high) = (scaledByMax.Min(), scaledByMax.Max());
        return scaledByMax.Select(v => (float)((v - low) / (high - low))).ToArray();
    }

    private static void AssertMap(float[] expected, GradCamMap map)
    {
        Assert.AreEqual(4, map.Height);
        Assert.AreEqual(4, map.Width);
        for (var i = 0; i < 16; i++) Assert.AreEqual(expected[i], map.Values[i], 1e-6f, $"pixel ({i / 4}, {i % 4})");
    }

    [TestMethod]
    public void PredictedClassMapIsTheHandComputedOne()
    {
        using var network = TinyNetwork();
        var cam = new GradCam(network, TinyInput);
        // The pool's output is 1×1 and the flatten's 2-D: the ReLU is the last layer with a map to localize.
        Assert.AreEqual("relu", cam.TargetLayer);
        CollectionAssert.AreEqual(new[] { "conv", "relu", "pool" }, cam.FeatureMapLayers.ToArray());

        var map = cam.Compute(Input);
        Assert.AreEqual(0, map.PredictedClass);
        Assert.AreEqual(0, map.TargetClass);
        Assert.AreEqual("relu", map.Layer);
        Assert.AreEqual((float)(1 / (1 + Math.Exp(-1.75))), map.TargetProbability, 1e-6f);
        // Class 0: channel weights 2/4 and −1/4; 0.5·A0 − 0.25·A1 = [[0.5, 1], [1.75, −1.5]], ReLU → [[0.5, 1], [1.75, 0]].
        var expected = Upsampled(new[,] { { 0.5, 1 }, { 1.75, 0 } });
        AssertMap(expected, map);
        // Spot values: (1, 1) = 0.796875 / 1.75, (2, 0) = 1.4375 / 1.75.
        Assert.AreEqual(0.796875f / 1.75f, map[1, 1], 1e-6f);
        Assert.AreEqual(1.4375f / 1.75f, map[2, 0], 1e-6f);
        Assert.AreEqual(1f, map.Values.Max());
        Assert.AreEqual(0f, map.Values.Min());
    }

    [TestMethod]
    public void AMapWithoutAZeroIsScaledFromItsMinimumToItsMaximum()
    {
        // Top-left pixels 4, 2, 6, 8 and bottom-right pixels all 1: A0 = [[4, 2], [6, 8]], A1 = ReLU(1 − 1) = 0,
        // logits (2·5, −5). Class 0: 0.5·A0 − 0.25·A1 = [[2, 1], [3, 4]], positive everywhere: after upsampling the
        // smallest value is 1 (pixel (0, 3)) and the largest 4 (pixel (3, 3)); the map is (v − 1) / 3.
        float[] input = [4, 2, 0, 0, 6, 8, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1];
        using var network = TinyNetwork();
        var map = new GradCam(network, TinyInput).Compute(input);
        Assert.AreEqual(0, map.PredictedClass);
        AssertMap(UpsampledMinMax(new double[,] { { 2, 1 }, { 3, 4 } }), map);
        Assert.AreEqual(0f, map[0, 3], 1e-6f);
        Assert.AreEqual(1f, map[3, 3], 1e-6f);
        // Pixel (1, 1) reads 0.75·0.75·2 + 0.75·0.25·1 + 0.25·0.75·3 + 0.25·0.25·4 = 2.125: (2.125 − 1) / 3 = 0.375.
        Assert.AreEqual(0.375f, map[1, 1], 1e-6f);
    }

    [TestMethod]
    public void AGivenClassIsExplainedInstead()
    {
        using var network = TinyNetwork();
        var map = new GradCam(network, TinyInput).Compute(Input, targetClass: 1);
        Assert.AreEqual(1, map.TargetClass);
        Assert.AreEqual(0, map.PredictedClass);
        Assert.AreEqual((float)(1 / (1 + Math.Exp(1.75))), map.TargetProbability, 1e-6f);
        // Class 1: weights −1/4 and 1/4; −0.25·A0 + 0.25·A1 = [[−0.25, −0.5], [−0.75, 1.5]], ReLU → [[0, 0], [0, 1.5]].
        AssertMap(Upsampled(new[,] { { 0, 0 }, { 0, 1.5 } }), map);
    }

    [TestMethod]
    public void ANamedLayerUsesItsOwnGradientsAveragedOverTheMap()
    {
        using var network = TinyNetwork();
        var cam = new GradCam(network, TinyInput, targetLayer: "conv");
        Assert.AreEqual("conv", cam.TargetLayer);
        var map = cam.Compute(Input);
        // Before the ReLU the gradient is (row / 4) where the conv output is > 0, else 0: channel 0 is > 0 at 3 of 4
        // pixels (weight 0.5 · 3/4 = 0.375), channel 1 at 2 ((−0.25) · 2/4 = −0.125).
        // 0.375·[[1, 2], [4, 0]] − 0.125·[[0, −1], [1, 6]] = [[0.375, 0.875], [1.375, −0.75]], ReLU → [[0.375, 0.875], [1.375, 0]].
        AssertMap(Upsampled(new[,] { { 0.375, 0.875 }, { 1.375, 0 } }), map);
    }

    [TestMethod]
    public void HiResCamWeighsEachPositionByItsOwnGradient()
    {
        using var network = TinyNetwork();
        // After the ReLU the gradient is the same at every position (the pool averages): HiResCAM equals Grad-CAM.
        AssertMap(new GradCam(network, TinyInput).Compute(Input).Values.ToArray(), new GradCam(network, TinyInput, method: CamMethod.HiResCam).Compute(Input));
        // Before it, the gradient is 0 where the conv output is ≤ 0: 0.5·[[1, 1], [1, 0]] ⊙ [[1, 2], [4, 0]] − 0.25·[[0, 0], [1, 1]] ⊙ [[0, −1], [1, 6]]
        // = [[0.5, 1], [1.75, −1.5]], ReLU → [[0.5, 1], [1.75, 0]]: the contribution of each position to the class score.
        var cam = new GradCam(network, TinyInput, "conv", CamMethod.HiResCam);
        Assert.AreEqual(CamMethod.HiResCam, cam.Method);
        AssertMap(Upsampled(new[,] { { 0.5, 1 }, { 1.75, 0 } }), cam.Compute(Input));
    }

    [TestMethod]
    public void TheNetworkKeepsItsModesAndGetsNoGradients()
    {
        using var network = TinyNetwork();
        network.train();
        network.named_modules().Single(m => m.name == "relu").module.eval(); // a mixed state, to be restored as it was
        var before = network.named_modules().Select(m => (m.name, m.module.training)).ToArray();
        var cam = new GradCam(network, TinyInput);
        var maps = cam.Compute([Input, Input.Reverse().ToArray()]);
        Assert.HasCount(2, maps);
        Assert.IsTrue(network.training);
        CollectionAssert.AreEqual(before, network.named_modules().Select(m => (m.name, m.module.training)).ToArray());
        foreach (var (name, parameter) in network.named_parameters())
        {
            Assert.IsTrue(parameter.grad is null || parameter.grad.IsInvalid, $"{name} got a gradient");
        }
        // The hook is gone: the network's output is what it computes without Grad-CAM.
        using var scope = NewDisposeScope();
        var logits = network.call(tensor(Input, [1, 1, 4, 4]));
        Assert.AreEqual(1.75f, logits[0, 0].item<float>(), 1e-6f);
        // The batch's first map is the single image's.
        AssertMap(cam.Compute(Input).Values.ToArray(), maps[0]);
    }

    [TestMethod]
    public void BadInputsAndLayersAreNamed()
    {
        using var network = TinyNetwork();
        var cam = new GradCam(network, TinyInput);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => cam.Compute(new float[15])).Message, "Image 0 has 15 values; 'torch::nn::SequentialImpl' takes 1x4x4 = 16");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => cam.Compute(Input, targetClass: 2)).Message, "Target class 2 is not a class");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new GradCam(network, TinyInput, "fc")).Message,
            "layer 'fc' of 'torch::nn::SequentialImpl' gives no feature map");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new GradCam(network, TinyInput, "conv9")).Message,
            "has no layer 'conv9'. Feature-map layers: conv, relu, pool");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new GradCam(network, new ImageShape(1, 2, 4, 4))).Message,
            "Grad-CAM explains 2-D images");
        // On a 3×3 image the conv's map is 1×1: nothing to localize.
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new GradCam(network, new ImageShape(1, 3, 3))).Message,
            "every feature map of architecture 'torch::nn::SequentialImpl' is 1×1 for a 1x3x3 input");
        using var mlp = Sequential(("flatten", Flatten()), ("fc", Linear(16, 2)));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new GradCam(mlp, TinyInput)).Message,
            "Grad-CAM needs a layer whose output is a feature map (N, C, H, W); architecture 'torch::nn::SequentialImpl' has none");
    }
}
