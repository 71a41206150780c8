using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// ResNet's basic residual block (ResNet-18/34): two 3×3 convolutions with batch normalization, plus
/// the identity — or a projection <c>downsample</c> when the shape changes — then ReLU.
/// Names are torchvision's: <c>conv1</c>, <c>bn1</c>, <c>conv2</c>, <c>bn2</c>, <c>downsample.0/1</c>.
/// </summary>
public sealed class BasicBlock : Module<Tensor, Tensor>, IZeroInitLast, IOnnxExportable
{
    /// <summary>Output channels = <c>planes · Expansion</c>.</summary>
    public const int Expansion = 1;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Module<Tensor, Tensor>? downsample;

    /// <summary>Builds the block.</summary>
    /// <param name="inplanes">Input channels.</param>
    /// <param name="planes">Output channels.</param>
    /// <param name="stride">Stride of the first 3×3 convolution (2 halves H×W; then a <paramref name="downsample"/> is needed).</param>
    /// <param name="downsample">Projection applied to the input when its shape differs from the output (conv1x1 + BN), else null.</param>
    /// <param name="groups">Must be 1 (as in torchvision; grouped blocks are <see cref="Bottleneck"/>s).</param>
    /// <param name="baseWidth">Must be 64 (as in torchvision).</param>
    public BasicBlock(long inplanes, long planes, long stride = 1, Module<Tensor, Tensor>? downsample = null, long groups = 1, long baseWidth = 64)
        : base(nameof(BasicBlock))
    {
        if (groups != 1 || baseWidth != Bottleneck.DefaultBaseWidth)
            throw new ArgumentException($"BasicBlock supports only groups = 1 and base width = {Bottleneck.DefaultBaseWidth}; got groups = {groups}, base width = {baseWidth}. Use Bottleneck for ResNeXt.");
        // Both conv1 and downsample reduce the input when stride != 1.
        conv1 = ConvLayers.Conv3x3(inplanes, planes, stride);
        bn1 = BatchNorm2d(planes);
        relu = ReLU(inplace: true);
        conv2 = ConvLayers.Conv3x3(planes, planes);
        bn2 = BatchNorm2d(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    /// <summary>Zeroes <c>bn2</c>'s scale: the block starts as its shortcut (torchvision's <c>zero_init_residual</c>).</summary>
    public void ZeroInitLast()
    {
        using var _ = no_grad();
        bn2.weight.zero_();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = relu.call(bn1.call(conv1.call(x)));
        @out = bn2.call(conv2.call(@out));
        var identity = downsample is null ? x : downsample.call(x);
        return relu.call(@out + identity).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var @out = graph.Module(relu, graph.Module(bn1, graph.Module(conv1, input)));
        @out = graph.Module(bn2, graph.Module(conv2, @out));
        var identity = downsample is null ? input : graph.Module(downsample, input);
        return graph.Module(relu, graph.Add(@out, identity));
    }
}
