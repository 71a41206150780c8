using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// A small MobileNet(v1)-style classifier for MNIST-size images: a 3×3 stem, then
/// <see cref="DepthwiseSeparableConv"/> blocks 16 → 32 → 64 → 128 → 256 with 2×2 max-pooling after the
/// first three (28 → 14 → 7 → 3), global average pooling and a linear classifier. The pools let the last
/// block see the whole digit (receptive field 40 pixels) before the global pooling. The separable blocks
/// hold most parameters and multiply-accumulates.
/// </summary>
public sealed class DepthwiseSeparableNet : Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>The separable blocks: output channels and whether a 2×2 max-pool follows.</summary>
    private static readonly (int Width, bool PoolAfter)[] Blocks =
    [
        // width, pool
        (32, true),
        (64, true),
        (128, true),
        (256, false),
    ];

    /// <summary>Smallest H and W: every pool needs at least 2.</summary>
    public static readonly long MinimumSize = (long)Math.Pow(SmallNetworkParts.Pool, Blocks.Count(b => b.PoolAfter));

    private readonly ConvNormActivation stem;
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;

    /// <summary>Builds the network for a C×H×W input (H, W ≥ 8).</summary>
    public DepthwiseSeparableNet(ImageShape input, int classes) : base(CnnArchitectures.DepthwiseSeparable)
    {
        SmallNetworkParts.RequireImage(CnnArchitectures.DepthwiseSeparable, input, MinimumSize, $"{Blocks.Count(b => b.PoolAfter)} max-pools of 2");

        stem = SmallNetworkParts.Stem(input.Channels);
        features = Sequential();
        long channels = SmallNetworkParts.StemWidth;
        foreach (var (width, poolAfter) in Blocks)
        {
            features.append(new DepthwiseSeparableConv(channels, width));
            if (poolAfter) features.append(SmallNetworkParts.MaxPool());
            channels = width;
        }
        (avgpool, fc) = SmallNetworkParts.Head(channels, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return SmallNetworkParts.Classify(features.call(stem.call(x)), avgpool, fc).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        return SmallNetworkParts.ExportClassify(graph, graph.Module(features, graph.Module(stem, input)), avgpool, fc);
    }
}
