using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// Group convolution (the source document's second block): the input channels are split into
/// <c>g</c> groups and each group is convolved with its own filters, producing <c>c2 / g</c> output
/// channels per group. Weights: <c>k·k·c1·c2 / g</c> instead of <c>k·k·c1·c2</c> (see
/// <see cref="WeightCount"/>). Optionally followed by batch normalization and ReLU.
/// </summary>
/// <remarks>
/// Stacked group convolutions never exchange information between groups; put a
/// <c>nn.ChannelShuffle(g)</c> (ShuffleNet) or a 1×1 convolution (ResNeXt, see <see cref="Bottleneck"/>
/// with <c>groups &gt; 1</c>) between them. State-dict keys: <c>conv.weight</c> (and <c>conv.bias</c>),
/// <c>bn.*</c>.
/// </remarks>
public sealed class GroupConv : Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d? bn;
    private readonly ReLU? relu;

    /// <summary>Builds the block.</summary>
    /// <param name="inChannels">Input channels c1 (a multiple of <paramref name="groups"/>).</param>
    /// <param name="outChannels">Output channels c2 (a multiple of <paramref name="groups"/>).</param>
    /// <param name="kernelSize">Square kernel size k (odd; padding (k − 1) / 2 keeps H×W at stride 1).</param>
    /// <param name="groups">Number of groups g.</param>
    /// <param name="stride">Stride.</param>
    /// <param name="batchNormAndReLU">Follow the convolution by BatchNorm2d and ReLU.</param>
    /// <param name="bias">Give the convolution a bias. Default: only without normalization.</param>
    public GroupConv(long inChannels, long outChannels, long kernelSize, long groups, long stride = 1,
        bool batchNormAndReLU = true, bool? bias = null) : base(nameof(GroupConv))
    {
        if (groups < 1)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, "A group convolution needs at least 1 group.");
        if (inChannels < 1 || inChannels % groups != 0)
            throw new ArgumentException($"Group convolution: input channels {inChannels} must be a positive multiple of groups {groups}.", nameof(inChannels));
        if (outChannels < 1 || outChannels % groups != 0)
            throw new ArgumentException($"Group convolution: output channels {outChannels} must be a positive multiple of groups {groups}.", nameof(outChannels));
        if (kernelSize < 1 || kernelSize % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "The kernel size must be odd and positive so that padding (k − 1) / 2 keeps the spatial size.");
        Groups = groups;

        conv = Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: (kernelSize - 1) / 2, groups: groups,
            bias: bias ?? !batchNormAndReLU);
        if (batchNormAndReLU)
        {
            bn = BatchNorm2d(outChannels);
            relu = ReLU();
        }
        RegisterComponents();
    }

    /// <summary>Number of groups g.</summary>
    public long Groups { get; }

    /// <summary>The source document's weight count of a group convolution, <c>k·k·c1·c2 / g</c> (bias not included).</summary>
    public static long WeightCount(long kernelSize, long inChannels, long outChannels, long groups) =>
        kernelSize * kernelSize * inChannels * outChannels / groups;

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
