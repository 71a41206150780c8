using CnnMl.Architectures;
using CnnMl.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

/// <summary>
/// Weights saved by PyTorch (torchvision 0.14) load into our builders unchanged and reproduce PyTorch's
/// logits; with copied weights our builders and TorchSharp's TorchVision builders agree.
/// </summary>
[TestClass]
public sealed class TorchvisionConformanceTests
{
    [TestMethod]
    [DataRow(CnnArchitectures.ResNet18)]
    [DataRow(CnnArchitectures.MobileNetV2)]
    public void ReproducesPyTorchsLogitsFromItsStateDict(string name)
    {
        var weights = TestPaths.Fixture(name + ".pt");
        var json = TestPaths.Fixture(name + ".json");
        var inputShape = PyTorchStateDict.FixtureShape(json, "input_shape");
        var outputShape = PyTorchStateDict.FixtureShape(json, "output_shape");

        using var module = CnnArchitectures.Get(name).Create();
        module.load_py(weights);
        module.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = PyTorchStateDict.ReadFloat32(TestPaths.Fixture(name + ".input.f32"), inputShape);
        var expected = PyTorchStateDict.ReadFloat32(TestPaths.Fixture(name + ".output.f32"), outputShape);
        var actual = module.call(input);
        CollectionAssert.AreEqual(outputShape, actual.shape);
        AssertClose(expected, actual);
    }

    [TestMethod]
    public void MatchesTorchVisionsResNet18()
    {
        using var ours = CnnArchitectures.Get(CnnArchitectures.ResNet18).Create();
        using var peer = torchvision.models.resnet18();
        AssertSameOutputs(ours, peer);
    }

    [TestMethod]
    public void MatchesTorchVisionsResNet50()
    {
        using var ours = CnnArchitectures.Get(CnnArchitectures.ResNet50).Create();
        using var peer = torchvision.models.resnet50();
        AssertSameOutputs(ours, peer);
    }

    [TestMethod]
    public void MatchesTorchVisionsResNeXt50()
    {
        using var ours = CnnArchitectures.Get(CnnArchitectures.ResNeXt50_32x4d).Create();
        using var peer = torchvision.models.resnext50_32x4d();
        AssertSameOutputs(ours, peer);
    }

    [TestMethod]
    public void MatchesTorchVisionsMobileNetV2()
    {
        using var ours = CnnArchitectures.Get(CnnArchitectures.MobileNetV2).Create();
        using var peer = torchvision.models.mobilenet_v2();
        AssertSameOutputs(ours, peer);
    }

    /// <summary>
    /// Copies our (randomly initialized) weights into the peer; BN statistics are randomised first so that
    /// they matter in eval mode. Then one 3×224×224 image through both.
    /// </summary>
    private static void AssertSameOutputs(nn.Module<Tensor, Tensor> ours, nn.Module<Tensor, Tensor> peer)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            foreach (var (name, buffer) in ours.named_buffers())
            {
                if (name.EndsWith("running_mean", StringComparison.Ordinal)) buffer.copy_(randn_like(buffer) * 0.1);
                else if (name.EndsWith("running_var", StringComparison.Ordinal)) buffer.copy_(rand_like(buffer) + 0.5);
            }
        }
        var (missing, unexpected) = peer.load_state_dict(ours.state_dict());
        Assert.AreEqual(0, missing.Count + unexpected.Count, $"missing: {string.Join(", ", missing)}; unexpected: {string.Join(", ", unexpected)}");
        ours.eval();
        peer.eval();
        using var noGrad = no_grad();
        var x = randn(1, 3, 224, 224);
        AssertClose(peer.call(x), ours.call(x));
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        var scale = Math.Max(1.0, expected.abs().max().item<float>());
        var difference = (expected - actual).abs().max().item<float>();
        Assert.IsTrue(difference <= 1e-4 * scale, $"max |difference| {difference} exceeds 1e-4 · {scale}");
    }
}
