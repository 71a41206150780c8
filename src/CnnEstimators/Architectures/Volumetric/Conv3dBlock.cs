using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// A 3D convolution over <c>(N, C, D, H, W)</c> — frames of a clip or slices of a volume — with "same"
/// padding, optionally followed by BatchNorm3d and ReLU. Without normalization and with kernel 3 it
/// is the source document's <c>nn.Conv3d(16, 33, (3, 3, 3), padding=(1, 1, 1))</c>: the kernel also slides
/// along D, so each output frame mixes neighboring frames. State-dict keys: <c>conv.*</c>, <c>bn.*</c>.
/// </summary>
public sealed class Conv3dBlock : Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Conv3d conv;
    private readonly BatchNorm3d? bn;
    private readonly ReLU? relu;

    /// <summary>Builds the block with the same stride along D, H and W.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Cubic kernel size (odd; padding (k − 1) / 2 keeps D×H×W at stride 1).</param>
    /// <param name="stride">Stride along D, H and W.</param>
    /// <param name="batchNormAndReLU">Follow the convolution by BatchNorm3d and ReLU.</param>
    /// <param name="bias">Give the convolution a bias. Default: only without normalization (as <c>nn.Conv3d</c>'s default).</param>
    public Conv3dBlock(long inChannels, long outChannels, long kernelSize = 3, long stride = 1, bool batchNormAndReLU = true, bool? bias = null)
        : this(inChannels, outChannels, (stride, stride, stride), kernelSize, batchNormAndReLU, bias)
    {
    }

    /// <summary>Builds the block with a stride per axis, e.g. (1, 2, 2) to halve H and W but keep every frame.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="stride">Stride along D, H and W.</param>
    /// <param name="kernelSize">Cubic kernel size (odd; padding (k − 1) / 2 keeps D×H×W at stride 1).</param>
    /// <param name="batchNormAndReLU">Follow the convolution by BatchNorm3d and ReLU.</param>
    /// <param name="bias">Give the convolution a bias. Default: only without normalization (as <c>nn.Conv3d</c>'s default).</param>
    public Conv3dBlock(long inChannels, long outChannels, (long Depth, long Height, long Width) stride, long kernelSize = 3,
        bool batchNormAndReLU = true, bool? bias = null)
        : base(nameof(Conv3dBlock))
    {
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "A channel count must be at least 1.");
        if (outChannels < 1) throw new ArgumentOutOfRangeException(nameof(outChannels), outChannels, "A channel count must be at least 1.");
        if (kernelSize < 1 || kernelSize % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "The kernel size must be odd and positive so that padding (k − 1) / 2 keeps the size.");
        if (stride.Depth < 1 || stride.Height < 1 || stride.Width < 1)
            throw new ArgumentOutOfRangeException(nameof(stride), stride, "Every stride must be at least 1.");
        var padding = (kernelSize - 1) / 2;
        conv = Conv3d(inChannels, outChannels, (kernelSize, kernelSize, kernelSize), stride: stride, padding: (padding, padding, padding),
            bias: bias ?? !batchNormAndReLU);
        Stride = stride;
        if (batchNormAndReLU)
        {
            bn = BatchNorm3d(outChannels);
            relu = ReLU(inplace: true);
        }
        RegisterComponents();
    }

    /// <summary>Stride along D, H and W.</summary>
    public (long Depth, long Height, long Width) Stride { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (bn is null) return conv.call(x);
        using var scope = NewDisposeScope();
        return relu!.call(bn.call(conv.call(x))).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var y = graph.Module(conv, input);
        return bn is null ? y : graph.Module(relu!, graph.Module(bn, y));
    }
}
