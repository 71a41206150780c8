using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// Depthwise separable convolution (the source document's first block): a depthwise k×k convolution
/// (<c>groups = in_channels</c>, one filter per channel) followed by a pointwise 1×1 convolution that
/// mixes channels. Weights: <c>k·k·M + M·N</c> instead of <c>k·k·M·N</c> for a regular convolution
/// (see <see cref="WeightCount"/>). Optionally each convolution is followed by batch normalization
/// and ReLU, as in MobileNet (v1).
/// </summary>
/// <remarks>State-dict keys: <c>depthwise.weight</c>, <c>pointwise.weight</c>, and with normalization
/// <c>bn1.*</c> / <c>bn2.*</c>; with <c>bias: true</c> also <c>depthwise.bias</c>, <c>pointwise.bias</c>.</remarks>
public sealed class DepthwiseSeparableConv : Module<Tensor, Tensor>, IOnnxExportable
{
    // Field names are the state-dict keys; their order is the state-dict order.
    private readonly Conv2d depthwise;
    private readonly BatchNorm2d? bn1;
    private readonly Conv2d pointwise;
    private readonly BatchNorm2d? bn2;
    private readonly ReLU? relu;

    /// <summary>Builds the block.</summary>
    /// <param name="inChannels">Input channels M.</param>
    /// <param name="outChannels">Output channels N.</param>
    /// <param name="kernelSize">Depthwise kernel size k (odd; padding keeps H×W at stride 1).</param>
    /// <param name="stride">Stride of the depthwise convolution.</param>
    /// <param name="batchNormAndReLU">Follow each convolution by BatchNorm2d and ReLU (MobileNet). When false the
    /// block is the source document's plain <c>Sequential(depthwise, pointwise)</c>.</param>
    /// <param name="bias">Give both convolutions a bias. Default: only without normalization (a BN shift makes it redundant).</param>
    public DepthwiseSeparableConv(long inChannels, long outChannels, long kernelSize = 3, long stride = 1,
        bool batchNormAndReLU = true, bool? bias = null) : base(nameof(DepthwiseSeparableConv))
    {
        RequirePositive(inChannels, nameof(inChannels));
        RequirePositive(outChannels, nameof(outChannels));
        if (kernelSize < 1 || kernelSize % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "The depthwise kernel size must be odd and positive so that padding (k − 1) / 2 keeps the spatial size.");
        var withBias = bias ?? !batchNormAndReLU;
        InChannels = inChannels;
        OutChannels = outChannels;

        depthwise = Conv2d(inChannels, inChannels, kernelSize, stride: stride, padding: (kernelSize - 1) / 2, groups: inChannels, bias: withBias); // dw
        pointwise = Conv2d(inChannels, outChannels, 1, bias: withBias); // pw
        if (batchNormAndReLU)
        {
            bn1 = BatchNorm2d(inChannels);
            bn2 = BatchNorm2d(outChannels);
            relu = ReLU();
        }
        RegisterComponents();
    }

    /// <summary>Input channels M.</summary>
    public long InChannels { get; }

    /// <summary>Output channels N.</summary>
    public long OutChannels { get; }

    /// <summary>
    /// The source document's weight count of a depthwise separable convolution, <c>k·k·M + M·N</c> (biases and
    /// normalization not included).
    /// </summary>
    public static long WeightCount(long kernelSize, long inChannels, long outChannels) =>
        kernelSize * kernelSize * inChannels + inChannels * outChannels;

    /// <summary>The weight count of the regular convolution it replaces, <c>k·k·M·N</c>.</summary>
    public static long RegularWeightCount(long kernelSize, long inChannels, long outChannels) =>
        kernelSize * kernelSize * inChannels * outChannels;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = depthwise.call(x);
        if (bn1 is not null) y = relu!.call(bn1.call(y));
        y = pointwise.call(y);
        if (bn2 is not null) y = relu!.call(bn2.call(y));
        return y.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var y = graph.Module(depthwise, input);
        if (bn1 is not null) y = graph.Module(relu!, graph.Module(bn1, y));
        y = graph.Module(pointwise, y);
        if (bn2 is not null) y = graph.Module(relu!, graph.Module(bn2, y));
        return y;
    }

    private static void RequirePositive(long value, string name)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, value, "A channel count must be at least 1.");
    }
}
