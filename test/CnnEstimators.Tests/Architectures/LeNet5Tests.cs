using CnnMl.Architectures;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

[TestClass]
public sealed class LeNet5Tests
{
    [TestMethod]
    public void HasPyTorchParameterCountAndSequentialNames()
    {
        using var module = CnnArchitectures.Get(CnnArchitectures.LeNet5).Create();
        var parameters = module.named_parameters().ToList();
        Assert.AreEqual(61_706L, parameters.Sum(p => p.parameter.numel()));
        CollectionAssert.AreEqual(
            new[] { "0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias", "11.weight", "11.bias" },
            parameters.Select(p => p.name).ToArray());
    }

    [TestMethod]
    public void LayerOutputShapesMatchTheDocument()
    {
        using var net = (Sequential)CnnArchitectures.Get(CnnArchitectures.LeNet5).Create();
        var expected = new long[][]
        {
            [1, 6, 28, 28], [1, 6, 28, 28], [1, 6, 14, 14], [1, 16, 10, 10], [1, 16, 10, 10], [1, 16, 5, 5],
            [1, 400], [1, 120], [1, 120], [1, 84], [1, 84], [1, 10],
        };
        using var scope = NewDisposeScope();
        var x = rand(1, 1, 28, 28);
        var i = 0;
        foreach (var (_, layer) in net.named_children())
        {
            x = ((nn.Module<Tensor, Tensor>)layer).call(x);
            CollectionAssert.AreEqual(expected[i], x.shape, $"layer {i} ({layer.GetType().Name})");
            i++;
        }
        Assert.AreEqual(expected.Length, i);
    }

    [TestMethod]
    public void RejectsAnInputTooSmallForTheSecondPool()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CnnArchitectures.Get(CnnArchitectures.LeNet5).Create(new ImageShape(3, 8, 8), 10));
        StringAssert.Contains(ex.Message, "'lenet5' cannot take input 3x8x8");
        StringAssert.Contains(ex.Message, "at least 12");
    }
}
