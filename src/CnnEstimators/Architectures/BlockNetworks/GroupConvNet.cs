using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// A small classifier for MNIST-size images built from <see cref="GroupConv"/> blocks: a 3×3 stem and
/// 2×2 max-pool, then group convolutions 16 → 64 (g 4) → 64 (g 8), max-pool, → 128 (g 8), max-pool,
/// → 256 (g 8) (28 → 14 → 7 → 3), global average pooling and a linear classifier. A ShuffleNet channel shuffle after each group convolution but the
/// last lets the next one's groups see every previous group (stacked group convolutions alone never
/// exchange information between groups). The group convolutions hold most parameters and multiply-accumulates.
/// </summary>
public sealed class GroupConvNet : Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>The group convolutions: output channels, groups, and whether a 2×2 max-pool follows.</summary>
    private static readonly (int Width, int Groups, bool PoolAfter)[] Blocks =
    [
        // width, groups, pool
        (64, 4, false),
        (64, 8, true),
        (128, 8, true),
        (256, 8, false),
    ];

    /// <summary>Smallest H and W: the stem's pool and every later pool need at least 2.</summary>
    public static readonly long MinimumSize = (long)Math.Pow(SmallNetworkParts.Pool, 1 + Blocks.Count(b => b.PoolAfter));

    private readonly ConvNormActivation stem;
    private readonly MaxPool2d maxpool;
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;

    /// <summary>Builds the network for a C×H×W input (H, W ≥ 8).</summary>
    public GroupConvNet(ImageShape input, int classes) : base(CnnArchitectures.GroupConv)
    {
        SmallNetworkParts.RequireImage(CnnArchitectures.GroupConv, input, MinimumSize, $"{1 + Blocks.Count(b => b.PoolAfter)} max-pools of 2");

        stem = SmallNetworkParts.Stem(input.Channels);
        maxpool = SmallNetworkParts.MaxPool();
        features = Sequential();
        long channels = SmallNetworkParts.StemWidth;
        for (var i = 0; i < Blocks.Length; i++)
        {
            var (width, groups, poolAfter) = Blocks[i];
            features.append(new GroupConv(channels, width, kernelSize: 3, groups: groups));
            if (i < Blocks.Length - 1) features.append(TorchSharp.torch.nn.ChannelShuffle(groups));
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
        return SmallNetworkParts.Classify(features.call(maxpool.call(stem.call(x))), avgpool, fc).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var y = graph.Module(features, graph.Module(maxpool, graph.Module(stem, input)));
        return SmallNetworkParts.ExportClassify(graph, y, avgpool, fc);
    }
}
