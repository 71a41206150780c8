using CnnMl.Onnx;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// One dense layer of CondenseNet (official <c>_DenseLayer</c>): <c>conv_1</c> (a <see cref="LearnedGroupConv"/>
/// 1×1 to bottleneck·k, or its condensed <see cref="CondenseConv"/>), then <c>conv_2</c> (BN → ReLU → 3×3 group
/// conv to k), concatenated after the layer's input.
/// </summary>
internal sealed class CondenseNetDenseLayer : Module<Tensor, Tensor>, IOnnxExportable
{
    // Field names are the official attribute names: they become the state-dict keys.
    private readonly Module<Tensor, Tensor> conv_1;
    private readonly TorchSharp.Modules.Sequential conv_2;

    public CondenseNetDenseLayer(Module<Tensor, Tensor> firstConv, TorchSharp.Modules.Sequential secondConv) : base("_DenseLayer")
    {
        conv_1 = firstConv;
        conv_2 = secondConv;
        RegisterComponents();
    }

    /// <summary>The 1×1 convolution: learned (training form) or condensed.</summary>
    public Module<Tensor, Tensor> FirstConv => conv_1;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var fresh = conv_2.call(conv_1.call(x));
        return cat([x, fresh], 1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var fresh = graph.Module(conv_2, graph.Module(conv_1, input));
        return graph.Concat(1, input, fresh);
    }
}
