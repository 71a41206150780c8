using CnnMl.Architectures;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Tests.Architectures;

[TestClass]
public sealed class DepthwiseSeparableConvTests
{
    [TestMethod]
    public void HasTheDocumentsParameterCountAgainstARegularConvolution()
    {
        using var regular = Conv2d(32, 64, 3, padding: 1, bias: false);
        using var separable = new DepthwiseSeparableConv(32, 64, batchNormAndReLU: false, bias: false);
        Assert.AreEqual(18_432L, regular.parameters().Sum(p => p.numel()));
        Assert.AreEqual(2_336L, separable.parameters().Sum(p => p.numel()));
        // k·k·M + M·N and k·k·M·N, the source document's formulas.
        Assert.AreEqual(2_336L, DepthwiseSeparableConv.WeightCount(3, 32, 64));
        Assert.AreEqual(18_432L, DepthwiseSeparableConv.RegularWeightCount(3, 32, 64));
    }

    [TestMethod]
    public void DepthwiseHasOneFilterPerChannelThenPointwiseMixes()
    {
        using var separable = new DepthwiseSeparableConv(32, 64, batchNormAndReLU: false, bias: false);
        var shapes = separable.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        CollectionAssert.AreEqual(new[] { "depthwise.weight", "pointwise.weight" }, shapes.Keys.ToArray());
        CollectionAssert.AreEqual(new long[] { 32, 1, 3, 3 }, shapes["depthwise.weight"]);
        CollectionAssert.AreEqual(new long[] { 64, 32, 1, 1 }, shapes["pointwise.weight"]);
    }

    [TestMethod]
    public void WithoutNormalizationEqualsTheDocumentsSequential()
    {
        using var scope = NewDisposeScope();
        using var separable = new DepthwiseSeparableConv(4, 6, batchNormAndReLU: false);
        var state = separable.state_dict();
        var x = randn(2, 4, 9, 7);
        var expected = functional.conv2d(
            functional.conv2d(x, state["depthwise.weight"], state["depthwise.bias"], padding: [1, 1], groups: 4),
            state["pointwise.weight"], state["pointwise.bias"]);
        var y = separable.call(x);
        CollectionAssert.AreEqual(new long[] { 2, 6, 9, 7 }, y.shape);
        Assert.IsTrue(y.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [TestMethod]
    public void WithNormalizationHasTwoBatchNormsAndNoBias()
    {
        using var separable = new DepthwiseSeparableConv(8, 16, stride: 2);
        CollectionAssert.AreEqual(
            new[] { "depthwise.weight", "bn1.weight", "bn1.bias", "pointwise.weight", "bn2.weight", "bn2.bias" },
            separable.named_parameters().Select(p => p.name).ToArray());
        using var y = separable.call(rand(3, 8, 10, 10));
        CollectionAssert.AreEqual(new long[] { 3, 16, 5, 5 }, y.shape);
        Assert.IsTrue(y.min().item<float>() >= 0, "ReLU ends the block");
    }

    [TestMethod]
    public void RejectsAnEvenKernel()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DepthwiseSeparableConv(8, 16, kernelSize: 4));
    }
}
