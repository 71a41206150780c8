using CnnMl.Architectures;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

[TestClass]
public sealed class GroupConvTests
{
    [TestMethod]
    public void HasTheDocumentsParameterCount()
    {
        using var group = new GroupConv(64, 128, kernelSize: 3, groups: 8, batchNormAndReLU: false, bias: false);
        Assert.AreEqual(9_216L, group.parameters().Sum(p => p.numel()));
        Assert.AreEqual(9_216L, GroupConv.WeightCount(3, 64, 128, 8)); // k·k·c1·c2 / g
        CollectionAssert.AreEqual(new long[] { 128, 8, 3, 3 }, group.named_parameters().Single().parameter.shape);
    }

    [TestMethod]
    public void GroupsDoNotSeeEachOther()
    {
        using var scope = NewDisposeScope();
        using var group = new GroupConv(4, 4, kernelSize: 3, groups: 2, batchNormAndReLU: false);
        var x = randn(1, 4, 5, 5);
        var y = group.call(x);
        // Changing the second group's input leaves the first group's output untouched.
        var x2 = x.clone();
        x2[TensorIndex.Colon, TensorIndex.Slice(2, 4)] = randn(1, 2, 5, 5);
        var y2 = group.call(x2);
        Assert.IsTrue(y[TensorIndex.Colon, TensorIndex.Slice(0, 2)].eq(y2[TensorIndex.Colon, TensorIndex.Slice(0, 2)]).all().item<bool>());
        Assert.IsFalse(y[TensorIndex.Colon, TensorIndex.Slice(2, 4)].eq(y2[TensorIndex.Colon, TensorIndex.Slice(2, 4)]).all().item<bool>());
    }

    [TestMethod]
    public void WithNormalizationKeepsSpatialSizeAndEndsWithReLU()
    {
        using var group = new GroupConv(16, 32, kernelSize: 3, groups: 4);
        CollectionAssert.AreEqual(new[] { "conv.weight", "bn.weight", "bn.bias" }, group.named_parameters().Select(p => p.name).ToArray());
        using var y = group.call(randn(2, 16, 7, 7));
        CollectionAssert.AreEqual(new long[] { 2, 32, 7, 7 }, y.shape);
        Assert.IsTrue(y.min().item<float>() >= 0);
    }

    [TestMethod]
    public void RejectsChannelsThatAreNotAMultipleOfGroups()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new GroupConv(30, 64, kernelSize: 3, groups: 8));
        StringAssert.Contains(ex.Message, "input channels 30 must be a positive multiple of groups 8");
    }
}
