using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// The bottleneck block of the official Big-Little Net code (<c>models/blresnet.py</c>, class
/// <c>Bottleneck</c>). Unlike torchvision's, <c>planes</c> is the block's <em>output</em>
/// width and the inner width is <c>planes / 4</c>; the stride sits on the 3×3 convolution; the final
/// ReLU can be switched off (<c>last_relu</c>), which the big branch of a bL-module does on its last block
/// so the branch ends linear before the merge.
/// </summary>
/// <remarks>
/// conv1 1×1 in→planes/4, BN, ReLU · conv2 3×3 (stride) planes/4→planes/4, BN, ReLU · conv3 1×1
/// planes/4→planes, BN · + shortcut (identity or <c>downsample</c>) · ReLU unless <c>last_relu</c> is off.
/// Attribute names are the official ones, so state-dict keys match.
/// </remarks>
public sealed class BigLittleBottleneck : Module<Tensor, Tensor>, IZeroInitLast, IOnnxExportable
{
    /// <summary>Output width over inner width (the official <c>Bottleneck.expansion</c>).</summary>
    public const int Expansion = 4;

    private const int Kernel = 3;
    private const int Padding = 1; // keeps H×W at stride 1

    // Field names are the official attribute names: they become the state-dict keys.
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly ReLU relu;
    private readonly Module<Tensor, Tensor>? downsample;
    private readonly bool last_relu;

    /// <summary>Builds the block.</summary>
    /// <param name="inplanes">Input channels.</param>
    /// <param name="planes">Output channels; a multiple of <see cref="Expansion"/>.</param>
    /// <param name="stride">Stride of the 3×3 convolution.</param>
    /// <param name="downsample">Shortcut when shape changes (average pool and/or 1×1 conv + BN); null for identity.</param>
    /// <param name="lastRelu">False to return the residual sum without the final ReLU.</param>
    public BigLittleBottleneck(long inplanes, long planes, long stride = 1, Module<Tensor, Tensor>? downsample = null, bool lastRelu = true)
        : base(nameof(BigLittleBottleneck))
    {
        if (planes % Expansion != 0)
            throw new ArgumentException($"A Big-Little bottleneck's output width must be a multiple of {Expansion}; got {planes}.", nameof(planes));
        var width = planes / Expansion;
        conv1 = Conv2d(inplanes, width, 1, bias: false);
        bn1 = BatchNorm2d(width);
        conv2 = Conv2d(width, width, Kernel, stride: stride, padding: Padding, bias: false);
        bn2 = BatchNorm2d(width);
        conv3 = Conv2d(width, planes, 1, bias: false);
        bn3 = BatchNorm2d(planes);
        relu = ReLU(inplace: true);
        this.downsample = downsample;
        last_relu = lastRelu;
        RegisterComponents();
    }

    /// <summary>Whether the block ends with a ReLU (the official <c>last_relu</c>).</summary>
    public bool LastRelu => last_relu;

    /// <summary>
    /// Sets the last BatchNorm's scale to zero so the block starts as its shortcut (Goyal et al., 2017);
    /// the official bL-ResNet does this for every bottleneck after the Kaiming initialization.
    /// </summary>
    public void ZeroInitLast()
    {
        using var _ = no_grad();
        bn3.weight!.zero_();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = relu.call(bn1.call(conv1.call(x)));
        @out = relu.call(bn2.call(conv2.call(@out)));
        @out = bn3.call(conv3.call(@out));
        var residual = downsample is null ? x : downsample.call(x);
        @out = @out.add_(residual);
        if (last_relu) @out = relu.call(@out);
        return @out.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var @out = graph.Module(relu, graph.Module(bn1, graph.Module(conv1, input)));
        @out = graph.Module(relu, graph.Module(bn2, graph.Module(conv2, @out)));
        @out = graph.Module(bn3, graph.Module(conv3, @out));
        var residual = downsample is null ? input : graph.Module(downsample, input);
        @out = graph.Add(@out, residual);
        return last_relu ? graph.Module(relu, @out) : @out;
    }
}
