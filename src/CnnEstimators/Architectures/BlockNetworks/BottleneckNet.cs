using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// A small ResNet for MNIST-size images built from <see cref="Bottleneck"/> blocks: a 3×3 stem and 2×2
/// max-pool, then three stages (<see cref="ResidualStageBuilder.MakeLayer"/>) of two blocks — width 16
/// (→ 64 channels), 32 (→ 128, stride 2), 64 (→ 256, stride 2), each stage opening with a projection
/// shortcut (28 → 14 → 7 → 4) — global average pooling and a linear classifier.
/// Initialized as torchvision initializes ResNets. The bottlenecks hold most parameters and
/// multiply-accumulates.
/// </summary>
public sealed class BottleneckNet : Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>The stages: bottleneck width (output = width · 4), blocks, stride of the first block.</summary>
    private static readonly (int Planes, int Blocks, int Stride)[] Stages =
    [
        // planes, blocks, stride
        (16, 2, 1),
        (32, 2, 2),
        (64, 2, 2),
    ];

    /// <summary>Smallest H and W: the stem's pool needs 2, and each stride-2 stage should halve a map of at least 2×2.</summary>
    public static readonly long MinimumSize = Stages.Aggregate((long)SmallNetworkParts.Pool, (size, s) => size * s.Stride);

    private readonly ConvNormActivation stem;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;

    /// <summary>Builds the network for a C×H×W input (H, W ≥ 8).</summary>
    public BottleneckNet(ImageShape input, int classes) : base(CnnArchitectures.ResNetBottleneck)
    {
        SmallNetworkParts.RequireImage(CnnArchitectures.ResNetBottleneck, input, MinimumSize,
            $"a 2×2 max-pool and {Stages.Count(s => s.Stride > 1)} stride-2 stages");

        stem = SmallNetworkParts.Stem(input.Channels);
        maxpool = SmallNetworkParts.MaxPool();
        var stages = new ResidualStageBuilder(ResidualBlockKind.Bottleneck, SmallNetworkParts.StemWidth);
        layer1 = stages.MakeLayer(Stages[0].Planes, Stages[0].Blocks, Stages[0].Stride);
        layer2 = stages.MakeLayer(Stages[1].Planes, Stages[1].Blocks, Stages[1].Stride);
        layer3 = stages.MakeLayer(Stages[2].Planes, Stages[2].Blocks, Stages[2].Stride);
        (avgpool, fc) = SmallNetworkParts.Head(stages.InPlanes, classes);
        RegisterComponents();
        ResNetInitialization.Apply(this, zeroInitLast: false);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = maxpool.call(stem.call(x));
        y = layer3.call(layer2.call(layer1.call(y)));
        return SmallNetworkParts.Classify(y, avgpool, fc).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var y = graph.Module(maxpool, graph.Module(stem, input));
        y = graph.Sequence([layer1, layer2, layer3], y);
        return SmallNetworkParts.ExportClassify(graph, y, avgpool, fc);
    }
}
