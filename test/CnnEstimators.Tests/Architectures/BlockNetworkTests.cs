using CnnMl.Architectures;
using CnnMl.Inspection;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

/// <summary>The small MNIST networks: shapes, parameter counts, and that their named block carries the network.</summary>
[TestClass]
public sealed class BlockNetworkTests
{
    // Parameter counts from the layer formulas: a k×k convolution without bias from cin to cout channels in g groups has
    // k·k·cin·cout/g weights; batch normalization over c channels has 2c (weight and bias); a linear layer has in·out + out.
    private static long Conv(long k, long cin, long cout, long groups = 1) => k * k * cin * cout / groups;

    private static long Norm(long channels) => 2 * channels;

    private static long Fc(long inputs, long outputs) => inputs * outputs + outputs;

    private static long Conv3(long k, long cin, long cout) => k * k * k * cin * cout;

    /// <summary>The 3×3 stem (1 → 16, BN) shared by the 2-D networks.</summary>
    private static readonly long Stem = Conv(3, 1, 16) + Norm(16);

    /// <summary>torchvision's Bottleneck(inplanes, planes): 1×1 → 3×3 → 1×1 (×4), each with BN, plus the projection when shapes change.</summary>
    private static long Bottleneck(long inplanes, long planes, bool projection) =>
        Conv(1, inplanes, planes) + Norm(planes) + Conv(3, planes, planes) + Norm(planes) + Conv(1, planes, 4 * planes) + Norm(4 * planes)
        + (projection ? Conv(1, inplanes, 4 * planes) + Norm(4 * planes) : 0);

    public static IEnumerable<object[]> ParameterCounts =>
    [
        // stem; depthwise 3×3 (groups = cin) + BN, pointwise 1×1 + BN for 16→32→64→128→256; linear 256→10.
        [CnnArchitectures.DepthwiseSeparable,
            Stem + new[] { (16L, 32L), (32, 64), (64, 128), (128, 256) }.Sum(b => Conv(3, b.Item1, b.Item1, b.Item1) + Norm(b.Item1) + Conv(1, b.Item1, b.Item2) + Norm(b.Item2))
            + Fc(256, 10)],
        // stem; 3×3 group convolutions + BN: 16→64 (g 4), 64→64 (g 8), 64→128 (g 8), 128→256 (g 8); linear 256→10.
        [CnnArchitectures.GroupConv,
            Stem + Conv(3, 16, 64, 4) + Norm(64) + Conv(3, 64, 64, 8) + Norm(64) + Conv(3, 64, 128, 8) + Norm(128) + Conv(3, 128, 256, 8) + Norm(256)
            + Fc(256, 10)],
        // stem; three stages of two bottlenecks, planes 16, 32, 64 (outputs 64, 128, 256), the first of each with a projection.
        [CnnArchitectures.ResNetBottleneck,
            Stem + Bottleneck(16, 16, true) + Bottleneck(64, 16, false) + Bottleneck(64, 32, true) + Bottleneck(128, 32, false)
            + Bottleneck(128, 64, true) + Bottleneck(256, 64, false) + Fc(256, 10)],
        // 3×3×3 blocks with BN: 1→16 (stride 1, 2, 2: 8×28×28 → 8×14×14), pool, 16→32, pool, 32→64 (→ 2×3×3); linear 64·2·3·3→10.
        [CnnArchitectures.Conv3d,
            Conv3(3, 1, 16) + Norm(16) + Conv3(3, 16, 32) + Norm(32) + Conv3(3, 32, 64) + Norm(64) + Fc(64 * 2 * 3 * 3, 10)],
    ];

    [TestMethod]
    [DynamicData(nameof(ParameterCounts))]
    public void MapsItsDefaultInputToTenLogitsWithTheParametersItsLayersDefine(string name, long parameters)
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
    [DataRow(CnnArchitectures.DepthwiseSeparable)]
    [DataRow(CnnArchitectures.GroupConv)]
    [DataRow(CnnArchitectures.ResNetBottleneck)]
    [DataRow(CnnArchitectures.Conv3d)]
    public void LossIsFiniteAndFallsOverTenStepsOnOneBatch(string name)
    {
        // Ten Adam steps on one fixed batch of 16 with fixed labels, in train mode (BN batch statistics): a network whose
        // gradients are wrong, NaN or disconnected does not fit it.
        var architecture = CnnArchitectures.Get(name);
        random.manual_seed(1);
        using var module = architecture.Create();
        using var optimizer = optim.Adam(module.parameters(), 1e-3);
        using var x = rand(architecture.DefaultInput.WithBatch(16));
        using var labels = arange(16, dtype: int64) % 10;
        var losses = new List<float>();
        for (var step = 0; step < 10; step++)
        {
            using var scope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(module.call(x), labels);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        Assert.IsTrue(losses.All(float.IsFinite), $"{name}: losses {string.Join(", ", losses)}");
        Assert.IsLessThan(losses[0] * 0.8f, losses[^1], $"{name}: losses {string.Join(", ", losses)}");
    }
}
