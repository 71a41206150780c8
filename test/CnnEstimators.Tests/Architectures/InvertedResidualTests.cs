using CnnMl.Architectures;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

[TestClass]
public sealed class InvertedResidualTests
{
    [TestMethod]
    public void ExpandsFilterDepthwiseAndProjectsLinearly()
    {
        using var block = new InvertedResidual(24, 24, stride: 1, expandRatio: 6);
        Assert.IsTrue(block.UseResidual);
        Assert.AreEqual(144L, block.HiddenChannels);
        var shapes = block.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        CollectionAssert.AreEqual(new long[] { 144, 24, 1, 1 }, shapes["conv.0.0.weight"]); // pw
        CollectionAssert.AreEqual(new long[] { 144, 1, 3, 3 }, shapes["conv.1.0.weight"]); // dw
        CollectionAssert.AreEqual(new long[] { 24, 144, 1, 1 }, shapes["conv.2.weight"]); // pw-linear
        CollectionAssert.AreEqual(new long[] { 24 }, shapes["conv.3.weight"]);
        using var y = block.call(randn(2, 24, 14, 14));
        CollectionAssert.AreEqual(new long[] { 2, 24, 14, 14 }, y.shape);
        Assert.IsTrue(y.min().item<float>() < 0, "the projection is linear: no ReLU at the end");
    }

    [TestMethod]
    public void ExpansionOneHasNoExpandingConvolution()
    {
        using var block = new InvertedResidual(32, 16, stride: 1, expandRatio: 1);
        Assert.IsFalse(block.UseResidual);
        CollectionAssert.AreEqual(
            new[] { "conv.0.0.weight", "conv.0.1.weight", "conv.0.1.bias", "conv.1.weight", "conv.2.weight", "conv.2.bias" },
            block.named_parameters().Select(p => p.name).ToArray());
    }

    [TestMethod]
    public void StrideTwoHasNoResidual()
    {
        using var scope = NewDisposeScope();
        using var block = new InvertedResidual(16, 16, stride: 2, expandRatio: 6);
        Assert.IsFalse(block.UseResidual);
        CollectionAssert.AreEqual(new long[] { 1, 16, 4, 4 }, block.call(randn(1, 16, 8, 8)).shape);
    }

    [TestMethod]
    public void ResidualAddsTheInput()
    {
        using var scope = NewDisposeScope();
        using var block = new InvertedResidual(8, 8, stride: 1, expandRatio: 6);
        block.eval();
        using (no_grad())
        {
            foreach (var (name, p) in block.named_parameters())
                if (name == "conv.3.weight" || name == "conv.3.bias") p.zero_();
        }
        var x = randn(1, 8, 6, 6);
        Assert.IsTrue(block.call(x).allclose(x));
    }

    [TestMethod]
    public void RejectsStrideThree()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new InvertedResidual(8, 8, stride: 3, expandRatio: 6));
    }
}
