using CnnMl.Abstractions;
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
    private const int StemWidth = 16;
    private const int Pool = 2;

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
    public static readonly long MinimumSize = (long)Math.Pow(Pool, Blocks.Count(b => b.PoolAfter));

    private readonly ConvNormActivation stem;
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;

    /// <summary>Builds the network for a C×H×W input (H, W ≥ 8).</summary>
    public DepthwiseSeparableNet(ImageShape input, int classes) : base(CnnArchitectures.DepthwiseSeparable)
    {
        ArgumentNullException.ThrowIfNull(input);
        ShapeGuard.RequireSpatialRank(CnnArchitectures.DepthwiseSeparable, input, 2);
        ShapeGuard.RequireAtLeast(CnnArchitectures.DepthwiseSeparable, input, MinimumSize, $"{Blocks.Count(b => b.PoolAfter)} max-pools of 2");

        stem = new ConvNormActivation(input.Channels, StemWidth, activation: ReLU(inplace: true));
        features = Sequential();
        long channels = StemWidth;
        foreach (var (width, poolAfter) in Blocks)
        {
            features.append(new DepthwiseSeparableConv(channels, width));
            if (poolAfter) features.append(MaxPool2d(Pool));
            channels = width;
        }
        avgpool = AdaptiveAvgPool2d(1);
        fc = Linear(channels, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = avgpool.call(features.call(stem.call(x))).flatten(1);
        return fc.call(y).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var y = graph.Flatten(graph.Module(avgpool, graph.Module(features, graph.Module(stem, input))), 1);
        return graph.Module(fc, y);
    }
}
