using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// torchvision's ResNet / ResNeXt for ImageNet: a 7×7 stride-2 stem with max-pooling, four residual
/// stages (<see cref="ResidualStageBuilder.MakeLayer"/>) of widths 64, 128, 256, 512 (strides 1, 2, 2, 2),
/// global average pooling and a linear classifier. Names and shapes of every parameter and buffer are
/// torchvision's (<c>conv1.weight</c>, <c>bn1.running_mean</c>, <c>layer1.0.bn2.running_var</c>,
/// <c>layer2.0.downsample.0.weight</c>, <c>fc.weight</c>, …), so a torchvision <c>state_dict</c> loads unchanged.
/// </summary>
public sealed class ResNet : Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>Channels of the stem (and of the first stage's input).</summary>
    public const long StemWidth = 64;

    private const long StemKernel = 7;
    private const long StemStride = 2;
    private const long StemPadding = 3;
    private const long PoolKernel = 3;
    private const long PoolStride = 2;
    private const long PoolPadding = 1;

    /// <summary>The four stages: block width (before expansion) and stride of the first block.</summary>
    private static readonly (long Planes, long Stride)[] Stages =
    [
        // planes, stride
        (64, 1),
        (128, 2),
        (256, 2),
        (512, 2),
    ];

    /// <summary>Blocks per stage of ResNet-18.</summary>
    public static readonly IReadOnlyList<int> ResNet18Layers = [2, 2, 2, 2];

    /// <summary>Blocks per stage of ResNet-50 and ResNeXt-50.</summary>
    public static readonly IReadOnlyList<int> ResNet50Layers = [3, 4, 6, 3];

    private const long ResNeXt50Cardinality = 32;
    private const long ResNeXt50WidthPerGroup = 4;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;

    /// <summary>Builds a ResNet.</summary>
    /// <param name="name">Module name (the registry name).</param>
    /// <param name="input">C×H×W input (torchvision: 3×224×224).</param>
    /// <param name="classes">Number of outputs of <c>fc</c>.</param>
    /// <param name="block">Block type: <see cref="ResidualBlockKind.Basic"/> or <see cref="ResidualBlockKind.Bottleneck"/>.</param>
    /// <param name="layers">Blocks in each of the four stages.</param>
    /// <param name="groups">Groups of each 3×3 convolution (ResNeXt cardinality).</param>
    /// <param name="widthPerGroup">Channels per group at <c>planes = 64</c>.</param>
    /// <param name="zeroInitResidual">Start the last BN of every residual branch at 0 (each block starts as the identity).</param>
    public ResNet(string name, ImageShape input, int classes, ResidualBlockKind block, IReadOnlyList<int> layers,
        long groups = 1, long widthPerGroup = Bottleneck.DefaultBaseWidth, bool zeroInitResidual = false) : base(name)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(layers);
        ShapeGuard.RequireSpatialRank(name, input, 2);
        if (layers.Count != Stages.Length)
            throw new ArgumentException($"ResNet has {Stages.Length} stages; got {layers.Count} block counts.", nameof(layers));

        conv1 = Conv2d(input.Channels, StemWidth, StemKernel, stride: StemStride, padding: StemPadding, bias: false);
        bn1 = BatchNorm2d(StemWidth);
        relu = ReLU(inplace: true);
        maxpool = MaxPool2d(PoolKernel, PoolStride, PoolPadding);
        var stages = new ResidualStageBuilder(block, StemWidth, groups, widthPerGroup);
        layer1 = stages.MakeLayer(Stages[0].Planes, layers[0], Stages[0].Stride);
        layer2 = stages.MakeLayer(Stages[1].Planes, layers[1], Stages[1].Stride);
        layer3 = stages.MakeLayer(Stages[2].Planes, layers[2], Stages[2].Stride);
        layer4 = stages.MakeLayer(Stages[3].Planes, layers[3], Stages[3].Stride);
        avgpool = AdaptiveAvgPool2d(1);
        fc = Linear(stages.InPlanes, classes);
        RegisterComponents();
        ResNetInitialization.Apply(this, zeroInitResidual);
    }

    /// <summary>ResNet-18 (11,689,512 parameters at 3×224×224, 1000 classes).</summary>
    public static ResNet ResNet18(ImageShape input, int classes) =>
        new(CnnArchitectures.ResNet18, input, classes, ResidualBlockKind.Basic, ResNet18Layers);

    /// <summary>ResNet-50 (25,557,032 parameters at 3×224×224, 1000 classes).</summary>
    public static ResNet ResNet50(ImageShape input, int classes) =>
        new(CnnArchitectures.ResNet50, input, classes, ResidualBlockKind.Bottleneck, ResNet50Layers);

    /// <summary>ResNeXt-50 32×4d (25,028,904 parameters at 3×224×224, 1000 classes).</summary>
    public static ResNet ResNeXt50_32x4d(ImageShape input, int classes) =>
        new(CnnArchitectures.ResNeXt50_32x4d, input, classes, ResidualBlockKind.Bottleneck, ResNet50Layers,
            ResNeXt50Cardinality, ResNeXt50WidthPerGroup);

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = maxpool.call(relu.call(bn1.call(conv1.call(x))));
        y = layer4.call(layer3.call(layer2.call(layer1.call(y))));
        y = avgpool.call(y).flatten(1);
        return fc.call(y).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var y = graph.Module(maxpool, graph.Module(relu, graph.Module(bn1, graph.Module(conv1, input))));
        y = graph.Sequence([layer1, layer2, layer3, layer4], y);
        y = graph.Flatten(graph.Module(avgpool, y), 1);
        return graph.Module(fc, y);
    }
}
