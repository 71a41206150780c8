using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// ResNet's "deeper bottleneck" residual block (the source document's 256 → 64 → 64 → 256): 1×1
/// reduce → 3×3 → 1×1 expand by <see cref="Expansion"/>, each with batch normalization, plus the
/// identity or a projection <c>downsample</c>, then ReLU. The stride sits on the 3×3 convolution
/// (torchvision's "ResNet v1.5"). With <c>groups &gt; 1</c> the 3×3 convolution is grouped: the
/// ResNeXt block (see <see cref="ResNeXt"/>).
/// Names are torchvision's: <c>conv1</c>, <c>bn1</c>, <c>conv2</c>, <c>bn2</c>, <c>conv3</c>, <c>bn3</c>, <c>downsample.0/1</c>.
/// </summary>
public sealed class Bottleneck : Module<Tensor, Tensor>, IZeroInitLast, IOnnxExportable
{
    /// <summary>Output channels = <c>planes · Expansion</c>.</summary>
    public const int Expansion = 4;

    /// <summary>The width per group at which the inner width equals <c>planes</c> (torchvision's 64).</summary>
    public const int DefaultBaseWidth = 64;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly ReLU relu;
    private readonly Module<Tensor, Tensor>? downsample;

    /// <summary>Builds the block.</summary>
    /// <param name="inplanes">Input channels.</param>
    /// <param name="planes">Bottleneck channels before widening by groups / base width; output is <c>planes · 4</c>.</param>
    /// <param name="stride">Stride of the 3×3 convolution.</param>
    /// <param name="downsample">Projection applied to the input when its shape differs from the output (conv1x1 + BN), else null.</param>
    /// <param name="groups">Groups of the 3×3 convolution (ResNeXt cardinality).</param>
    /// <param name="baseWidth">Channels per group at <c>planes = 64</c> (ResNeXt-50 32×4d: 4).</param>
    public Bottleneck(long inplanes, long planes, long stride = 1, Module<Tensor, Tensor>? downsample = null, long groups = 1, long baseWidth = DefaultBaseWidth)
        : base(nameof(Bottleneck))
    {
        var width = Width(planes, groups, baseWidth);
        if (width < 1)
            throw new ArgumentException($"Bottleneck: planes {planes}, groups {groups}, base width {baseWidth} give an inner width of {width}; it must be at least 1.");
        InnerWidth = width;
        conv1 = ConvLayers.Conv1x1(inplanes, width);
        bn1 = BatchNorm2d(width);
        // Both conv2 and downsample reduce the input when stride != 1.
        conv2 = ConvLayers.Conv3x3(width, width, stride, groups);
        bn2 = BatchNorm2d(width);
        conv3 = ConvLayers.Conv1x1(width, planes * Expansion);
        bn3 = BatchNorm2d(planes * Expansion);
        relu = ReLU(inplace: true);
        this.downsample = downsample;
        RegisterComponents();
    }

    /// <summary>Channels of the 3×3 convolution.</summary>
    public long InnerWidth { get; }

    /// <summary>
    /// The ResNeXt block: a bottleneck whose 3×3 convolution has <paramref name="cardinality"/> groups of
    /// <paramref name="widthPerGroup"/> channels (at <c>planes = 64</c>), e.g. 32×4d.
    /// </summary>
    public static Bottleneck ResNeXt(long inplanes, long planes, long cardinality, long widthPerGroup, long stride = 1,
        Module<Tensor, Tensor>? downsample = null) =>
        new(inplanes, planes, stride, downsample, cardinality, widthPerGroup);

    /// <summary>torchvision's inner width: <c>int(planes · baseWidth / 64) · groups</c>.</summary>
    public static long Width(long planes, long groups, long baseWidth) =>
        (long)(planes * (baseWidth / (double)DefaultBaseWidth)) * groups;

    /// <summary>Zeroes <c>bn3</c>'s scale: the block starts as its shortcut (torchvision's <c>zero_init_residual</c>).</summary>
    public void ZeroInitLast()
    {
        using var _ = no_grad();
        bn3.weight.zero_();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = relu.call(bn1.call(conv1.call(x)));
        @out = relu.call(bn2.call(conv2.call(@out)));
        @out = bn3.call(conv3.call(@out));
        var identity = downsample is null ? x : downsample.call(x);
        return relu.call(@out + identity).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var @out = graph.Module(relu, graph.Module(bn1, graph.Module(conv1, input)));
        @out = graph.Module(relu, graph.Module(bn2, graph.Module(conv2, @out)));
        @out = graph.Module(bn3, graph.Module(conv3, @out));
        var identity = downsample is null ? input : graph.Module(downsample, input);
        return graph.Module(relu, graph.Add(@out, identity));
    }
}
