using CnnMl.Architectures;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

/// <summary>The small MNIST networks: shapes, parameter counts, and that their named block carries the network.</summary>
[TestClass]
public sealed class BlockNetworkTests
{
    [TestMethod]
    [DataRow(CnnArchitectures.DepthwiseSeparable, 13_898L)]
    [DataRow(CnnArchitectures.GroupConv, 18_106L)]
    [DataRow(CnnArchitectures.ResNetBottleneck, 30_586L)]
    [DataRow(CnnArchitectures.Conv3d, 17_938L)]
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
    [DataRow(CnnArchitectures.DepthwiseSeparable)]
    [DataRow(CnnArchitectures.GroupConv)]
    [DataRow(CnnArchitectures.ResNetBottleneck)]
    public void RejectsVolumesAndTinyImages(string name)
    {
        var architecture = CnnArchitectures.Get(name);
        var volume = Assert.ThrowsExactly<ArgumentException>(() => architecture.Create(new ImageShape(1, 8, 28, 28), 10));
        StringAssert.Contains(volume.Message, $"'{name}' takes CxHxW (an image) input; got 1x8x28x28");
        var tiny = Assert.ThrowsExactly<ArgumentException>(() => architecture.Create(new ImageShape(1, 3, 28), 10));
        StringAssert.Contains(tiny.Message, $"'{name}' cannot take input 1x3x28");
        StringAssert.Contains(tiny.Message, "at least 4");
    }

    [TestMethod]
    public void GroupConvNetShufflesChannelsBetweenGroupConvolutions()
    {
        using var module = CnnArchitectures.Get(CnnArchitectures.GroupConv).Create();
        Assert.AreEqual(2, module.named_modules().Count(m => m.module is ChannelShuffle));
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
