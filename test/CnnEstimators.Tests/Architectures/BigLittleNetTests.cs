using System.Security.Cryptography;
using System.Text;
using CnnMl.Architectures;
using CnnMl.Inspection;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

/// <summary>
/// bL-ResNet against the official Big-Little Net code (IBM/BigLittleNet, models/blresnet.py). The reference
/// numbers were computed on the side with PyTorch 1.13 (Debian python3-torch) running the official file:
///   m = bLResNet(Bottleneck, [3, 4, 6, 3], alpha=2, beta=4)
///   sum(p.numel() for p in m.parameters())                          -> 26,694,568
///   lines = [f"{k} {list(v.shape)}" for k, v in m.state_dict().items()] -> 428 entries
///   sha256 of "".join(l + "\n" for l in sorted(lines))                 -> db0b0263…bd45
/// (sorted because TorchSharp lists all parameters before all buffers, PyTorch interleaves them per module;
/// within each group the order is the same, and loading goes by name).
/// For biglittle the same file was patched only where bLResNet hard-codes ImageNet:
/// num_channels = [8, 32, 64, 128] and conv1 = Conv2d(1, 8, kernel_size=3, stride=1, padding=1), num_classes=10,
/// with layers [3, 3, 3, 2]: 1,027,218 parameters, 344 state-dict entries, sorted-list sha256 eec94216…ee27.
/// </summary>
[TestClass]
public sealed class BigLittleNetTests
{
    [TestMethod]
    public void BLResNet50HasTheOfficialParameterCount()
    {
        using var model = CnnArchitectures.Get(CnnArchitectures.BLResNet50).Create();
        Assert.AreEqual(26_694_568L, model.parameters().Sum(p => p.numel()));
    }

    [TestMethod]
    public void BLResNet50StateDictHasTheOfficialNamesAndShapes()
    {
        using var model = CnnArchitectures.Get(CnnArchitectures.BLResNet50).Create();
        var entries = StateDictLines(model);

        Assert.HasCount(428, entries);
        foreach (var expected in new[]
                 {
                     "conv1.weight [64, 3, 7, 7]",
                     "l_conv0.weight [32, 64, 3, 3]",
                     "bn_bl_init.num_batches_tracked []",
                     "layer1.big.0.downsample.1.weight [256, 64, 1, 1]",   // avg-pool first, then 1×1 conv
                     "layer1.little.0.conv1.weight [32, 64, 1, 1]",        // little: 256/α = 128 out, 128/4 inside
                     "layer1.little_e.0.weight [256, 128, 1, 1]",
                     "layer3.big.4.bn3.weight [1024]",                      // big branch: 6 − 1 = 5 blocks
                     "layer3.fusion.0.conv2.weight [256, 256, 3, 3]",
                     "layer4.0.downsample.1.weight [2048, 1024, 1, 1]",
                     "fc.weight [1000, 2048]",
                 })
        {
            CollectionAssert.Contains(entries, expected);
        }
        CollectionAssert.DoesNotContain(entries, "layer3.little.1.conv1.weight [128, 1024, 1, 1]"); // max(1, 6/4 − 1) = 1 block
        Assert.AreEqual("db0b0263c6a8c9a6a7ffe77ba3b0695eed8df2ba1e349940212b0fc18ff5bd45", Sha256(entries));
    }

    [TestMethod]
    public void BLResNet50MapsAnImageNetImageToThousandLogits()
    {
        using var scope = NewDisposeScope();
        using var model = CnnArchitectures.Get(CnnArchitectures.BLResNet50).Create();
        model.eval();
        using var _ = no_grad();
        var y = model.call(randn(1, 3, 224, 224));
        CollectionAssert.AreEqual(new long[] { 1, 1000 }, y.shape);
    }

    [TestMethod]
    public void BigLittleMatchesThePatchedOfficialModel()
    {
        using var model = CnnArchitectures.Get(CnnArchitectures.BigLittle).Create();
        Assert.AreEqual(1_027_218L, model.parameters().Sum(p => p.numel()));
        var entries = StateDictLines(model);
        Assert.HasCount(344, entries);
        Assert.AreEqual("eec94216bf704270746d3e9340e71c7eb3e0902ebbee9a393405bbfefd7bee27", Sha256(entries));
    }

    [TestMethod]
    public void BigLittleModuleRunsBigAtHalfAndLittleAtFullResolution()
    {
        using var scope = NewDisposeScope();
        // layer1 of bL-ResNet-50 on its 64×56×56 stem output.
        using var module = new BigLittleModule(64, 256, blocks: 3, alpha: 2, beta: 4, stride: 2);
        module.eval();
        using var _ = no_grad();
        var x = randn(1, 64, 56, 56);

        var (big, little) = module.Branches(x);
        CollectionAssert.AreEqual(new long[] { 1, 256, 28, 28 }, big.shape);
        CollectionAssert.AreEqual(new long[] { 1, 256, 56, 56 }, little.shape);
        CollectionAssert.AreEqual(new long[] { 1, 256, 28, 28 }, module.call(x).shape);
    }

    [TestMethod]
    public void BranchHooksSeeEveryBigLittleModuleOfBigLittle()
    {
        using var scope = NewDisposeScope();
        using var model = (BigLittleResNet)CnnArchitectures.Get(CnnArchitectures.BigLittle).Create();
        model.eval();
        var seen = new List<string>();
        var removers = new List<Action>();
        foreach (var (layer, index) in model.BigLittleModules.Select((m, i) => (m, i + 1)))
        {
            foreach (var (name, child) in layer.named_children())
            {
                if (name is not ("big" or "little")) continue;
                var hook = ((nn.Module<Tensor, Tensor>)child).register_forward_hook((_, _, output) =>
                {
                    seen.Add($"layer{index}.{name} [{string.Join(", ", output.shape)}]");
                    return null!; // null keeps the output unchanged
                });
                removers.Add(hook.remove);
            }
        }
        using (no_grad()) model.call(randn(1, 1, 28, 28));
        removers.ForEach(remove => remove());

        // Same shapes as the patched official model's forward hooks (little before its 1×1 expansion).
        CollectionAssert.AreEqual(
            new[]
            {
                "layer1.big [1, 32, 7, 7]", "layer1.little [1, 16, 14, 14]",
                "layer2.big [1, 128, 4, 4]", "layer2.little [1, 64, 7, 7]",
                "layer3.big [1, 256, 2, 2]", "layer3.little [1, 128, 4, 4]",
            },
            seen);
    }

    [TestMethod]
    public void SummaryOfBigLittleHasARowForEachBranch()
    {
        var summary = ModelSummary.Of(CnnArchitectures.BigLittle);
        string Row(string name)
        {
            var row = summary.Layers.Single(l => l.Name == name);
            return $"{row.Name} {row.Type} depth {row.Depth} [{string.Join(", ", row.OutputShape ?? [])}]";
        }

        CollectionAssert.AreEqual(
            new[]
            {
                "layer1 BigLittleModule depth 1 [1, 32, 7, 7]",
                "layer1.big Sequential depth 2 [1, 32, 7, 7]",
                "layer1.little Sequential depth 2 [1, 16, 14, 14]",
                "layer1.little_e Sequential depth 2 [1, 32, 14, 14]",
                "layer1.fusion Sequential depth 2 [1, 32, 7, 7]",
                "layer2.big.1 BigLittleBottleneck depth 3 [1, 128, 4, 4]",
                "layer3.little.0 BigLittleBottleneck depth 3 [1, 128, 4, 4]",
            },
            new[] { "layer1", "layer1.big", "layer1.little", "layer1.little_e", "layer1.fusion", "layer2.big.1", "layer3.little.0" }
                .Select(Row).ToArray());
        Assert.AreEqual(1_027_218L, summary.Layers.Sum(l => l.Parameters));
        Assert.IsTrue(summary.Layers.All(l => l.WasCalled), "every module with parameters is reached through call");
    }

    [TestMethod]
    public void BranchDepthsFollowTheOfficialFormulas()
    {
        Assert.AreEqual(5, BigLittleModule.BigBlocks(6));
        Assert.AreEqual(1, BigLittleModule.LittleBlocks(6, beta: 4)); // max(1, 1 − 1)
        Assert.AreEqual(3, BigLittleModule.LittleBlocks(8, beta: 2));
    }

    [TestMethod]
    public void EveryBottleneckStartsWithItsLastNormAtZero()
    {
        using var model = CnnArchitectures.Get(CnnArchitectures.BigLittle).Create();
        var lastNorms = model.named_parameters().Where(p => p.name.EndsWith(".bn3.weight", StringComparison.Ordinal)).ToList();
        Assert.HasCount(14, lastNorms); // (2 + 1 + 1) × 3 bL-modules + 2 in layer4
        foreach (var (name, weight) in lastNorms)
            Assert.AreEqual(0.0, weight.abs().sum().item<float>(), $"{name} is not zero-initialized");
        var bigLastRelu = model.modules().OfType<BigLittleBottleneck>().Count(b => !b.LastRelu);
        Assert.AreEqual(3, bigLastRelu); // the last block of each big branch
    }

    [TestMethod]
    public void RejectsAVolumeAndATooSmallImage()
    {
        var volume = Assert.ThrowsExactly<ArgumentException>(() => CnnArchitectures.Get(CnnArchitectures.BigLittle).Create(new ImageShape(1, 8, 28, 28), 10));
        StringAssert.Contains(volume.Message, "'biglittle' takes CxHxW");

        Assert.AreEqual(17L, BigLittleResNet.MinimumInputSize(BigLittleConfiguration.BLResNet50));
        var small = Assert.ThrowsExactly<ArgumentException>(() => CnnArchitectures.Get(CnnArchitectures.BLResNet50).Create(new ImageShape(3, 16, 224), 1000));
        StringAssert.Contains(small.Message, "3x16x224");
        StringAssert.Contains(small.Message, "at least 17");
    }

    [TestMethod]
    public void BigLittleTakesTheSmallestAllowedImage()
    {
        Assert.AreEqual(9L, BigLittleResNet.MinimumInputSize(BigLittleConfiguration.Mnist));
        using var scope = NewDisposeScope();
        using var model = CnnArchitectures.Get(CnnArchitectures.BigLittle).Create(new ImageShape(3, 9, 9), 4);
        CollectionAssert.AreEqual(new long[] { 2, 4 }, model.call(randn(2, 3, 9, 9)).shape);
        Assert.ThrowsExactly<ArgumentException>(() => CnnArchitectures.Get(CnnArchitectures.BigLittle).Create(new ImageShape(1, 8, 8), 10));
    }

    [TestMethod]
    public void RejectsAConfigurationWhoseLittleWidthIsFractional()
    {
        var odd = BigLittleConfiguration.Mnist with { Widths = [8, 32, 64, 127] };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new BigLittleResNet("custom", new ImageShape(1, 28, 28), 10, odd));
        StringAssert.Contains(ex.Message, "multiple of α = 2");
    }

    private static List<string> StateDictLines(nn.Module model) =>
        model.state_dict().Select(e => $"{e.Key} [{string.Join(", ", e.Value.shape)}]").ToList();

    private static string Sha256(IEnumerable<string> lines) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Concat(lines.Order(StringComparer.Ordinal).Select(l => l + "\n")))));
}
