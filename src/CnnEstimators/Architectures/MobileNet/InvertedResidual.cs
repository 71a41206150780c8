using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// MobileNetV2's inverted residual block: expand with a 1×1 convolution by <c>t</c>, filter with a
/// depthwise 3×3, project back with a linear (no activation) 1×1; the input is added when the stride
/// is 1 and the channel count is unchanged. All inside one <c>Sequential</c> named <c>conv</c>, as in
/// torchvision: <c>conv.0</c> (pw, absent when t = 1), then dw, the pw-linear convolution and its BN —
/// e.g. <c>features.3.conv.1.0.weight</c> is block 3's depthwise kernel.
/// </summary>
public sealed class InvertedResidual : Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Sequential conv;

    /// <summary>Builds the block.</summary>
    /// <param name="inp">Input channels.</param>
    /// <param name="oup">Output channels.</param>
    /// <param name="stride">Stride of the depthwise convolution: 1 or 2.</param>
    /// <param name="expandRatio">Expansion factor t (hidden width = round(inp · t)).</param>
    public InvertedResidual(long inp, long oup, long stride, double expandRatio) : base(nameof(InvertedResidual))
    {
        if (stride is not (1 or 2))
            throw new ArgumentOutOfRangeException(nameof(stride), stride, "An inverted residual block has stride 1 or 2.");
        var hidden = (long)Math.Round(inp * expandRatio, MidpointRounding.ToEven);
        if (hidden < 1)
            throw new ArgumentOutOfRangeException(nameof(expandRatio), expandRatio, $"Expansion {expandRatio} of {inp} channels leaves no hidden channel.");
        UseResidual = stride == 1 && inp == oup;
        HiddenChannels = hidden;

        conv = Sequential();
        if (expandRatio != 1)
            conv.append(new ConvNormActivation(inp, hidden, kernelSize: 1)); // pw
        conv.append(new ConvNormActivation(hidden, hidden, stride: stride, groups: hidden)); // dw
        conv.append(ConvLayers.Conv1x1(hidden, oup)); // pw-linear
        conv.append(BatchNorm2d(oup));
        RegisterComponents();
    }

    /// <summary>True when the input is added to the output (stride 1 and in = out channels).</summary>
    public bool UseResidual { get; }

    /// <summary>Channels of the expanded (depthwise) layer.</summary>
    public long HiddenChannels { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (!UseResidual) return conv.call(x);
        using var scope = NewDisposeScope();
        return (x + conv.call(x)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var y = graph.Module(conv, input);
        return UseResidual ? graph.Add(input, y) : y;
    }
}
