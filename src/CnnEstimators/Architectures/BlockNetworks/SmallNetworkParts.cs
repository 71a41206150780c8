using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// The scaffolding the small MNIST block networks share (<see cref="DepthwiseSeparableNet"/>,
/// <see cref="GroupConvNet"/>, <see cref="BottleneckNet"/>): the input check, a 3×3 conv-BN-ReLU stem of 16
/// channels, 2×2 max-pools, and the head — global average pooling and a linear classifier. Each network keeps
/// its own fields (<c>stem</c>, <c>avgpool</c>, <c>fc</c>), so its state-dict keys stay torchvision-like.
/// </summary>
internal static class SmallNetworkParts
{
    /// <summary>Channels out of the stem.</summary>
    public const int StemWidth = 16;

    /// <summary>Kernel and stride of every max-pool.</summary>
    public const int Pool = 2;

    /// <summary>Requires a C×H×W image with H, W ≥ <paramref name="minimumSize"/>; <paramref name="why"/> says which downsampling needs it.</summary>
    public static void RequireImage(string architecture, ImageShape input, long minimumSize, string why)
    {
        ArgumentNullException.ThrowIfNull(input);
        ShapeGuard.RequireSpatialRank(architecture, input, 2);
        ShapeGuard.RequireAtLeast(architecture, input, minimumSize, why);
    }

    /// <summary>The stem: 3×3 convolution to <see cref="StemWidth"/> channels, batch norm, ReLU.</summary>
    public static ConvNormActivation Stem(long inChannels) => new(inChannels, StemWidth, activation: ReLU(inplace: true));

    /// <summary>A 2×2 max-pool.</summary>
    public static MaxPool2d MaxPool() => MaxPool2d(Pool);

    /// <summary>The head's modules: global average pooling and a linear classifier from <paramref name="channels"/> to <paramref name="classes"/>.</summary>
    public static (AdaptiveAvgPool2d AvgPool, Linear Fc) Head(long channels, int classes) => (AdaptiveAvgPool2d(1), Linear(channels, classes));

    /// <summary>The head: global average pooling, flatten, linear classifier.</summary>
    public static Tensor Classify(Tensor features, AdaptiveAvgPool2d avgpool, Linear fc) => fc.call(avgpool.call(features).flatten(1));

    /// <summary>The ONNX form of <see cref="Classify"/>: the pooled, flattened features through the classifier.</summary>
    public static string ExportClassify(OnnxGraphBuilder graph, string features, AdaptiveAvgPool2d avgpool, Linear fc) =>
        graph.Module(fc, graph.Flatten(graph.Module(avgpool, features), 1));
}
