using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// bL-ResNet (Big-Little Net, Chen et al., ICLR 2019), following the official <c>bLResNet</c>: a stem that
/// already has a big (strided) and a little (narrow, full-resolution) path, three <see cref="BigLittleModule"/>s,
/// a plain stage of <see cref="BigLittleBottleneck"/>s, global average pooling and a linear classifier.
/// Attribute names are the official ones, so a state dict of the official model loads by name.
/// </summary>
/// <remarks>
/// Stem: conv1 k×k/s → bn1 → ReLU; big path b_conv0 3×3/2 → bn_b0; little path l_conv0 3×3 to width/α →
/// bn_l0 → ReLU → l_conv1 3×3/2 → bn_l1 → ReLU → l_conv2 1×1 to width → bn_l2; add, ReLU; bl_init 1×1 →
/// bn_bl_init → ReLU. Then layer1..layer3 (bL-modules, strides 2, 2, 1), layer4 (stride 2), gappool, fc.
/// Initialization as the official code: Kaiming-normal (fan-out) convolutions, BN scale 1 and shift 0,
/// then every bottleneck's last BN scale 0.
/// </remarks>
public sealed class BigLittleResNet : Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>Strides of layer1..layer4 in the official code.</summary>
    private static readonly int[] StageStrides = [2, 2, 1, 2];

    private const int StemPathKernel = 3;
    private const int StemPathStride = 2;
    private const int StemPathPadding = 1;

    // Field names are the official attribute names: they become the state-dict keys.
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly Conv2d b_conv0;
    private readonly BatchNorm2d bn_b0;
    private readonly Conv2d l_conv0;
    private readonly BatchNorm2d bn_l0;
    private readonly Conv2d l_conv1;
    private readonly BatchNorm2d bn_l1;
    private readonly Conv2d l_conv2;
    private readonly BatchNorm2d bn_l2;
    private readonly Conv2d bl_init;
    private readonly BatchNorm2d bn_bl_init;
    private readonly BigLittleModule layer1;
    private readonly BigLittleModule layer2;
    private readonly BigLittleModule layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d gappool;
    private readonly Linear fc;

    /// <summary>Builds a bL-ResNet for a C×H×W input and <paramref name="classes"/> outputs.</summary>
    /// <param name="architecture">Name used in error messages and as the module name (e.g. <c>blresnet50</c>).</param>
    /// <param name="input">Input shape; must be an image large enough for every bL-module to see at least 2×2.</param>
    /// <param name="classes">Number of outputs.</param>
    /// <param name="configuration">α, β, depths, widths and stem.</param>
    public BigLittleResNet(string architecture, ImageShape input, int classes, BigLittleConfiguration configuration)
        : base(architecture)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Validate();
        ShapeGuard.RequireSpatialRank(architecture, input, 2);
        ShapeGuard.RequireAtLeast(architecture, input, MinimumInputSize(configuration),
            "every bL-module needs at least 2×2 at full resolution so its big branch runs at half resolution");

        var (alpha, beta) = (configuration.Alpha, configuration.Beta);
        var widths = configuration.Widths;
        var layers = configuration.Layers;
        var stem = widths[0];
        const int expansion = BigLittleBottleneck.Expansion;

        conv1 = Conv2d(input.Channels, stem, configuration.StemKernel, stride: configuration.StemStride,
            padding: configuration.StemKernel / 2, bias: false);
        bn1 = BatchNorm2d(stem);
        relu = ReLU(inplace: true);
        b_conv0 = Conv2d(stem, stem, StemPathKernel, stride: StemPathStride, padding: StemPathPadding, bias: false);
        bn_b0 = BatchNorm2d(stem);
        l_conv0 = Conv2d(stem, stem / alpha, StemPathKernel, stride: 1, padding: StemPathPadding, bias: false);
        bn_l0 = BatchNorm2d(stem / alpha);
        l_conv1 = Conv2d(stem / alpha, stem / alpha, StemPathKernel, stride: StemPathStride, padding: StemPathPadding, bias: false);
        bn_l1 = BatchNorm2d(stem / alpha);
        l_conv2 = Conv2d(stem / alpha, stem, 1, stride: 1, bias: false);
        bn_l2 = BatchNorm2d(stem);
        bl_init = Conv2d(stem, stem, 1, stride: 1, bias: false);
        bn_bl_init = BatchNorm2d(stem);

        layer1 = new BigLittleModule(widths[0], widths[0] * expansion, layers[0], alpha, beta, StageStrides[0]);
        layer2 = new BigLittleModule(widths[0] * expansion, widths[1] * expansion, layers[1], alpha, beta, StageStrides[1]);
        layer3 = new BigLittleModule(widths[1] * expansion, widths[2] * expansion, layers[2], alpha, beta, StageStrides[2]);
        layer4 = BigLittleStage.Create(widths[2] * expansion, widths[3] * expansion, layers[3], StageStrides[3]);
        gappool = AdaptiveAvgPool2d(1);
        fc = Linear(widths[3] * expansion, classes);
        RegisterComponents();
        // As the official code: the ResNet initialization, then every bottleneck's last BN scale 0.
        ResNetInitialization.Apply(this, zeroInitLast: true);
    }

    /// <summary>The three bL-modules, in order (layer1, layer2, layer3).</summary>
    public IReadOnlyList<BigLittleModule> BigLittleModules => [layer1, layer2, layer3];

    /// <summary>
    /// Smallest height/width this configuration accepts: the input of the last bL-module must be at least 2×2,
    /// so that its big branch really runs at half resolution.
    /// </summary>
    public static long MinimumInputSize(BigLittleConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        for (long size = 1; ; size++)
        {
            if (LastBigLittleInputSize(configuration, size) >= 2) return size;
        }
    }

    private static long LastBigLittleInputSize(BigLittleConfiguration configuration, long size)
    {
        var k = configuration.StemKernel;
        size = (size + 2 * (k / 2) - k) / configuration.StemStride + 1;
        size = Strided(size, StemPathStride);
        for (var stage = 0; stage < StageStrides.Length - 2; stage++)
            size = Strided(size, StageStrides[stage]);
        return size;
    }

    // A 3×3 convolution with padding 1 and the given stride.
    private static long Strided(long size, long stride) => (size + 2 * StemPathPadding - StemPathKernel) / stride + 1;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = relu.call(bn1.call(conv1.call(x)));

        var bx = bn_b0.call(b_conv0.call(x));
        var lx = relu.call(bn_l0.call(l_conv0.call(x)));
        lx = relu.call(bn_l1.call(l_conv1.call(lx)));
        lx = bn_l2.call(l_conv2.call(lx));
        x = relu.call(bx.add_(lx));
        x = relu.call(bn_bl_init.call(bl_init.call(x)));

        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        x = gappool.call(x).flatten(1);
        return fc.call(x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var x = graph.Module(relu, graph.Module(bn1, graph.Module(conv1, input)));

        var bx = graph.Module(bn_b0, graph.Module(b_conv0, x));
        var lx = graph.Module(relu, graph.Module(bn_l0, graph.Module(l_conv0, x)));
        lx = graph.Module(relu, graph.Module(bn_l1, graph.Module(l_conv1, lx)));
        lx = graph.Module(bn_l2, graph.Module(l_conv2, lx));
        x = graph.Module(relu, graph.Add(bx, lx));
        x = graph.Module(relu, graph.Module(bn_bl_init, graph.Module(bl_init, x)));

        x = graph.Sequence([layer1, layer2, layer3, layer4], x);
        return graph.Module(fc, graph.Flatten(graph.Module(gappool, x), 1));
    }
}
