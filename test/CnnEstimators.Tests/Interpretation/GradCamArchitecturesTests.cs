using CnnMl.Architectures;
using CnnMl.Interpretation;
using CnnMl.Tests.Support;
using static TorchSharp.torch;

namespace CnnMl.Tests.Interpretation;

/// <summary>
/// Grad-CAM on every registered architecture at its default input (untrained, seeded weights, one random image):
/// the layer it picks, and a map of the input's size in [0, 1]. The 3D network has no (N, C, H, W) feature map.
/// </summary>
[TestClass]
public sealed class GradCamArchitecturesTests
{
    /// <summary>The layer picked per architecture: the end of each network's convolution stage, before pooling to 1×1.</summary>
    private static readonly Dictionary<string, string> TargetLayers = new()
    {
        [CnnArchitectures.MnistCnn] = "conv3",
        [CnnArchitectures.LeNet5] = "5", // the second average pool of the d2l Sequential
        [CnnArchitectures.ResNet18] = "layer4",
        [CnnArchitectures.ResNet50] = "layer4",
        [CnnArchitectures.ResNeXt50_32x4d] = "layer4",
        [CnnArchitectures.MobileNetV2] = "features",
        [CnnArchitectures.DepthwiseSeparable] = "features",
        [CnnArchitectures.GroupConv] = "features",
        [CnnArchitectures.ResNetBottleneck] = "layer3",
        [CnnArchitectures.CondenseNet] = "features.relu_last",
        [CnnArchitectures.CondenseNet86] = "features.relu_last",
        [CnnArchitectures.CondenseNet74] = "features.relu_last",
        [CnnArchitectures.BLResNet50] = "layer4",
        [CnnArchitectures.BigLittle] = "layer4",
    };

    [TestMethod]
    public void EveryRegisteredArchitectureWithA2dConvolutionStageIsExplained()
    {
        using var threads = TorchThreads.Use(1);
        var explained = new List<string>();
        // Other test classes register networks named "test-…" in the same process: the library's own are checked.
        foreach (var architecture in CnnArchitectures.All.Where(a => !a.Name.StartsWith("test-", StringComparison.Ordinal)))
        {
            random.manual_seed(1);
            using var network = architecture.Create();
            var input = architecture.DefaultInput;
            if (architecture.Name == CnnArchitectures.Conv3d)
            {
                StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new GradCam(network, input)).Message,
                    "Grad-CAM explains 2-D images (C×H×W); 'conv3d' takes 1x8x28x28");
                continue;
            }
            var cam = new GradCam(network, input);
            Assert.AreEqual(TargetLayers[architecture.Name], cam.TargetLayer, architecture.Name);
            using var scope = NewDisposeScope();
            var map = cam.Compute(rand(input.WithBatch(1)).flatten().data<float>().ToArray());
            Assert.AreEqual(input.Spatial[0], map.Height, architecture.Name);
            Assert.AreEqual(input.Spatial[1], map.Width, architecture.Name);
            Assert.HasCount((int)(input.Spatial[0] * input.Spatial[1]), map.Values);
            Assert.IsTrue(map.Values.All(v => v is >= 0 and <= 1), architecture.Name);
            explained.Add(architecture.Name);
        }
        // Every registered 2-D architecture was explained (a newly registered one must be added to the table).
        CollectionAssert.AreEquivalent(TargetLayers.Keys.ToArray(), explained);
    }
}
