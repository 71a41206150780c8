using CnnMl.Architectures;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

/// <summary>The small MNIST networks: shapes, parameter counts, and that their named block carries the network.</summary>
[TestClass]
public sealed class BlockNetworkTests
{
    [TestMethod]
    [DataRow(CnnArchitectures.DepthwiseSeparable, 49_866L)]
    [DataRow(CnnArchitectures.GroupConv, 56_762L)]
    [DataRow(CnnArchitectures.ResNetBottleneck, 220_090L)]
    [DataRow(CnnArchitectures.Conv3d, 81_306L)]
    public void MapsItsDefaultInputToTenLogits(string name, long parameters)
    {
        var architecture = CnnArchitectures.Get(name);
        Assert.AreEqual(10, architecture.DefaultClasses);
        using var module = architecture.Create();
        Assert.AreEqual(parameters, module.parameters().Sum(p => p.numel()));
        using var scope = NewDisposeScope();
        var y = module.call(rand(architecture.DefaultInput.WithBatch(4)));
        CollectionAssert.AreEqual(new long[] { 4, 10 }, y.shape);
    }

    [TestMethod]
    [DataRow(CnnArchitectures.DepthwiseSeparable, typeof(DepthwiseSeparableConv))]
    [DataRow(CnnArchitectures.GroupConv, typeof(GroupConv))]
    [DataRow(CnnArchitectures.ResNetBottleneck, typeof(Bottleneck))]
    [DataRow(CnnArchitectures.Conv3d, typeof(Conv3dBlock))]
    public void ItsNamedBlockHoldsMostParameters(string name, Type block)
    {
        using var module = CnnArchitectures.Get(name).Create();
        var total = module.parameters().Sum(p => p.numel());
        var inBlocks = module.named_modules().Where(m => m.module.GetType() == block)
            .Sum(m => m.module.parameters().Sum(p => p.numel()));
        Assert.IsTrue(inBlocks > total * 0.8, $"{block.Name} holds {inBlocks} of {total} parameters");
    }

    [TestMethod]
    [DataRow(CnnArchitectures.DepthwiseSeparable, 8)]
    [DataRow(CnnArchitectures.GroupConv, 8)]
    [DataRow(CnnArchitectures.ResNetBottleneck, 8)]
    public void RejectsVolumesAndTinyImages(string name, int minimum)
    {
        var architecture = CnnArchitectures.Get(name);
        var volume = Assert.ThrowsExactly<ArgumentException>(() => architecture.Create(new ImageShape(1, 8, 28, 28), 10));
        StringAssert.Contains(volume.Message, $"'{name}' takes CxHxW (an image) input; got 1x8x28x28");
        var tiny = Assert.ThrowsExactly<ArgumentException>(() => architecture.Create(new ImageShape(1, minimum - 1, 28), 10));
        StringAssert.Contains(tiny.Message, $"'{name}' cannot take input 1x{minimum - 1}x28");
        StringAssert.Contains(tiny.Message, $"at least {minimum}");
        using var smallest = architecture.Create(new ImageShape(1, minimum, minimum), 10);
        using var y = smallest.call(TorchSharp.torch.rand(2, 1, minimum, minimum));
        CollectionAssert.AreEqual(new long[] { 2, 10 }, y.shape);
    }

    [TestMethod]
    public void GroupConvNetShufflesChannelsBetweenGroupConvolutions()
    {
        using var module = CnnArchitectures.Get(CnnArchitectures.GroupConv).Create();
        Assert.AreEqual(3, module.named_modules().Count(m => m.module is TorchSharp.Modules.ChannelShuffle));
    }

    [TestMethod]
    public void TrainsOnAFewBatchesWithoutError()
    {
        // One optimiser step per network on random data: forward, backward, update, in train mode (BN batch statistics).
        foreach (var name in new[] { CnnArchitectures.DepthwiseSeparable, CnnArchitectures.GroupConv, CnnArchitectures.ResNetBottleneck, CnnArchitectures.Conv3d })
        {
            var architecture = CnnArchitectures.Get(name);
            using var module = architecture.Create();
            using var optimizer = optim.Adam(module.parameters(), 1e-3);
            using var scope = NewDisposeScope();
            var x = rand(architecture.DefaultInput.WithBatch(8));
            var labels = randint(0, 10, 8);
            var before = nn.functional.cross_entropy(module.call(x), labels);
            optimizer.zero_grad();
            before.backward();
            optimizer.step();
            Assert.IsTrue(module.parameters().All(p => p.grad is not null), name);
        }
    }
}
