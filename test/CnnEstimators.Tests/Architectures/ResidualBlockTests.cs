using CnnMl.Architectures;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Tests.Architectures;

[TestClass]
public sealed class ResidualBlockTests
{
    [TestMethod]
    public void BottleneckIsTheDocuments256To64To256()
    {
        using var block = new Bottleneck(256, 64);
        Assert.AreEqual(4, Bottleneck.Expansion);
        var shapes = block.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        CollectionAssert.AreEqual(new long[] { 64, 256, 1, 1 }, shapes["conv1.weight"]);
        CollectionAssert.AreEqual(new long[] { 64, 64, 3, 3 }, shapes["conv2.weight"]);
        CollectionAssert.AreEqual(new long[] { 256, 64, 1, 1 }, shapes["conv3.weight"]);
        // 256·64 + 9·64·64 + 64·256 weights + 2·(64 + 64 + 256) BN affine terms.
        Assert.AreEqual(70_400L, block.parameters().Sum(p => p.numel()));
        using var y = block.call(randn(2, 256, 8, 8));
        CollectionAssert.AreEqual(new long[] { 2, 256, 8, 8 }, y.shape);
    }

    [TestMethod]
    public void BottleneckUsesFarFewerParametersThanTwoBasic3x3OnTheSameWidth()
    {
        using var bottleneck = new Bottleneck(256, 64);
        using var basic = new BasicBlock(256, 256);
        Assert.AreEqual(1_180_672L, basic.parameters().Sum(p => p.numel()));
        Assert.IsTrue(bottleneck.parameters().Sum(p => p.numel()) * 16 < basic.parameters().Sum(p => p.numel()));
    }

    [TestMethod]
    public void StageBuilderAddsAProjectionShortcutWhenTheShapeChanges()
    {
        var builder = new ResidualStageBuilder(ResidualBlockKind.Bottleneck, 64);
        using var stage = builder.MakeLayer(128, blocks: 2, stride: 2);
        Assert.AreEqual(512L, builder.InPlanes);
        var names = stage.named_parameters().Select(p => p.name).ToArray();
        CollectionAssert.Contains(names, "0.downsample.0.weight");
        CollectionAssert.Contains(names, "0.downsample.1.weight");
        Assert.IsFalse(names.Any(n => n.StartsWith("1.downsample", StringComparison.Ordinal)), "only the first block projects");
        var projection = stage.named_parameters().Single(p => p.name == "0.downsample.0.weight").parameter;
        CollectionAssert.AreEqual(new long[] { 512, 64, 1, 1 }, projection.shape);
        using var y = stage.call(randn(1, 64, 16, 16));
        CollectionAssert.AreEqual(new long[] { 1, 512, 8, 8 }, y.shape);
    }

    [TestMethod]
    public void StrideSitsOnThe3x3ConvolutionAsInResNetV15()
    {
        var builder = new ResidualStageBuilder(ResidualBlockKind.Bottleneck, 256);
        using var stage = builder.MakeLayer(128, blocks: 1, stride: 2);
        var convs = stage.named_modules().Where(m => m.module is TorchSharp.Modules.Conv2d)
            .ToDictionary(m => m.name, m => (TorchSharp.Modules.Conv2d)m.module);
        CollectionAssert.AreEqual(new long[] { 1, 1 }, convs["0.conv1"].stride);
        CollectionAssert.AreEqual(new long[] { 2, 2 }, convs["0.conv2"].stride);
        CollectionAssert.AreEqual(new long[] { 2, 2 }, convs["0.downsample.0"].stride);
    }

    [TestMethod]
    public void ResNeXtBottleneckGroupsItsMiddleConvolution()
    {
        using var block = Bottleneck.ResNeXt(256, 64, cardinality: 32, widthPerGroup: 4);
        Assert.AreEqual(128L, block.InnerWidth); // int(64 · 4/64) · 32
        var conv2 = block.named_parameters().Single(p => p.name == "conv2.weight").parameter;
        CollectionAssert.AreEqual(new long[] { 128, 4, 3, 3 }, conv2.shape);
    }

    [TestMethod]
    public void BasicBlockAddsTheIdentity()
    {
        using var scope = NewDisposeScope();
        using var block = new BasicBlock(8, 8);
        block.eval();
        using (no_grad())
        {
            // A zero residual branch leaves relu(x).
            foreach (var (name, p) in block.named_parameters())
                if (name == "bn2.weight") p.zero_();
        }
        var x = randn(2, 8, 5, 5);
        Assert.IsTrue(block.call(x).allclose(functional.relu(x)));
    }

    [TestMethod]
    public void BasicBlockRejectsGroups()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new BasicBlock(64, 64, groups: 32, baseWidth: 4));
        StringAssert.Contains(ex.Message, "groups = 32");
    }
}
