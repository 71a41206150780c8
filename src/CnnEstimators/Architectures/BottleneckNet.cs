using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// A small ResNet for MNIST-size images built from <see cref="Bottleneck"/> blocks: a 3×3 stem, then two
/// stages (<see cref="ResidualStageBuilder.MakeLayer"/>) of one bottleneck each — 16 → (16, 16, 64) and
/// 64 → (32, 32, 128), both stride 2 with a projection shortcut — global average pooling and a linear
/// classifier. Initialised as torchvision initialises ResNets. The bottlenecks hold most parameters and
/// multiply-accumulates.
/// </summary>
public sealed class BottleneckNet : Module<Tensor, Tensor>
{
    private const int StemWidth = 16;

    /// <summary>The stages: bottleneck width (output = width · 4), blocks, stride of the first block.</summary>
    private static readonly (int Planes, int Blocks, int Stride)[] Stages =
    [
        // planes, blocks, stride
        (16, 1, 2),
        (32, 1, 2),
    ];

    /// <summary>Smallest H and W: each stride-2 stage should halve a map of at least 2×2.</summary>
    public static readonly long MinimumSize = Stages.Aggregate(1L, (size, s) => size * s.Stride);

    private readonly ConvNormActivation stem;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;

    /// <summary>Builds the network for a C×H×W input (H, W ≥ 4).</summary>
    public BottleneckNet(ImageShape input, int classes) : base(CnnArchitectures.ResNetBottleneck)
    {
        ArgumentNullException.ThrowIfNull(input);
        ShapeGuard.RequireSpatialRank(CnnArchitectures.ResNetBottleneck, input, 2);
        ShapeGuard.RequireAtLeast(CnnArchitectures.ResNetBottleneck, input, MinimumSize, $"{Stages.Length} stride-2 stages");

        stem = new ConvNormActivation(input.Channels, StemWidth, activation: ReLU(inplace: true));
        var stages = new ResidualStageBuilder(ResidualBlockKind.Bottleneck, StemWidth);
        layer1 = stages.MakeLayer(Stages[0].Planes, Stages[0].Blocks, Stages[0].Stride);
        layer2 = stages.MakeLayer(Stages[1].Planes, Stages[1].Blocks, Stages[1].Stride);
        avgpool = AdaptiveAvgPool2d(1);
        fc = Linear(stages.InPlanes, classes);
        RegisterComponents();
        TorchvisionInit.ResNet(this);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = layer2.call(layer1.call(stem.call(x)));
        y = avgpool.call(y).flatten(1);
        return fc.call(y).MoveToOuterDisposeScope();
    }
}
