using System.Diagnostics;
using CnnMl.Architectures;
using CnnMl.Inspection;
using CnnMl.Tests.Support;
using static TorchSharp.torch;
using TorchVisionModels = TorchSharp.torchvision.models;

namespace CnnMl.Tests.Inspection;

/// <summary>
/// Summaries of TorchSharp's TorchVision builders against torchvision's published figures (parameters exact,
/// "GFLOPS" — which are MACs — within 1%): the peer for ZooSummaryTests, which holds the registry's own builders to the same figures.
/// The summaries are shared with ImageNetNetworkTests (<see cref="ImageNetSummaries"/>: computed once per run); the speed
/// test makes its own.
/// </summary>
[TestClass]
public sealed class TorchVisionSummaryTests
{
    private static readonly ImageShape ImageNet = new(3, 224, 224);
    private const double Tolerance = 0.01;
    private const double MaxSummarySeconds = 3.0;

    [TestMethod]
    public void ResNet18MatchesPublishedFigures()
    {
        AssertPublished(ImageNetSummaries.OfTorchVision(CnnArchitectures.ResNet18), parameters: 11_689_512, gmacs: 1.81);
    }

    [TestMethod]
    public void ResNet50MatchesPublishedFiguresAndIsQuick()
    {
        using var net = TorchVisionModels.resnet50();
        var raw = RawForwardSeconds(net); // after a warm-up pass

        var clock = Stopwatch.StartNew();
        var summary = ModelSummary.Of(net, ImageNet, "resnet50");
        var seconds = clock.Elapsed.TotalSeconds;

        AssertPublished(new ImageNetSummaries.Entry(summary, net.parameters().Sum(p => p.numel())), parameters: 25_557_032, gmacs: 4.09);
        // Under 3 s on this 2-core machine (≈ 0.5 s when idle); when other work slows the machine, no worse
        // than twice a plain forward pass, so the hooks themselves must stay cheap.
        Assert.IsLessThan(Math.Max(MaxSummarySeconds, 2 * raw), seconds, $"summary {seconds:0.00} s, plain forward {raw:0.00} s");
    }

    [TestMethod]
    public void ResNeXt50MatchesPublishedFigures()
    {
        AssertPublished(ImageNetSummaries.OfTorchVision(CnnArchitectures.ResNeXt50_32x4d), parameters: 25_028_904, gmacs: 4.23);
    }

    [TestMethod]
    public void MobileNetV2MatchesPublishedFigures()
    {
        AssertPublished(ImageNetSummaries.OfTorchVision(CnnArchitectures.MobileNetV2), parameters: 3_504_872, gmacs: 0.30);
    }

    [TestMethod]
    public void ResidualBlocksAreNestedRowsWithTheirOwnShapes()
    {
        var summary = ImageNetSummaries.OfTorchVision(CnnArchitectures.ResNet18).Summary;
        var byName = summary.Layers.GroupBy(l => l.Name).ToDictionary(g => g.Key, g => g.First());

        Assert.AreEqual(0, byName[""].Depth);
        CollectionAssert.AreEqual(new long[] { 1, 1000 }, byName[""].OutputShape!.ToArray());
        CollectionAssert.AreEqual(new long[] { 1, 64, 56, 56 }, byName["layer1.0.conv1"].OutputShape!.ToArray());
        Assert.AreEqual(3, byName["layer1.0.conv1"].Depth);
        Assert.AreEqual("BasicBlock", byName["layer2.0"].Type);
        CollectionAssert.AreEqual(new long[] { 1, 128, 28, 28 }, byName["layer2.0"].OutputShape!.ToArray());
        Assert.AreEqual(0L, byName["layer2.0"].Parameters);
        // The 1×1 stride-2 projection of the shortcut: 128·28·28 outputs, 64 inputs each.
        Assert.AreEqual(128L * 28 * 28 * 64, byName["layer2.0.downsample.0"].Macs);
        Assert.AreEqual(128L * 64, byName["layer2.0.downsample.0"].Parameters);
        // A container comes before its children.
        var names = summary.Layers.Select(l => l.Name).ToList();
        Assert.IsLessThan(names.IndexOf("layer2.0.conv1"), names.IndexOf("layer2.0"));
        Assert.IsLessThan(names.IndexOf("layer2.0.conv1"), names.IndexOf("layer2"));
    }

    private static double RawForwardSeconds(nn.Module<Tensor, Tensor> net)
    {
        net.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        net.call(zeros(ImageNet.WithBatch(1)));
        var clock = Stopwatch.StartNew();
        net.call(zeros(ImageNet.WithBatch(1)));
        return clock.Elapsed.TotalSeconds;
    }

    private static void AssertPublished(ImageNetSummaries.Entry entry, long parameters, double gmacs)
    {
        var summary = entry.Summary;
        Assert.AreEqual(parameters, summary.TotalParameters);
        Assert.AreEqual(entry.ParameterSum, summary.TotalParameters);
        Assert.AreEqual(summary.TotalParameters, summary.Layers.Sum(l => l.Parameters));
        Assert.IsTrue(summary.Layers.All(l => l.WasCalled), "every parameter owner is reached through call()");
        var measured = summary.Macs / 1e9;
        Assert.IsLessThan(Tolerance, Math.Abs(measured - gmacs) / gmacs, $"{summary.Architecture}: {measured:0.000} GMACs, published {gmacs}");
    }
}
