using static TorchSharp.torch;

namespace CnnMl.Runtime;

/// <summary>
/// Makes one layer's backward pass run without oneDNN: an autograd function whose output is the layer's output
/// (same values, no copy) and whose backward computes the layer's gradients from the layer's own graph while
/// <see cref="OneDnnLayerSwitch"/> holds oneDNN off.
/// </summary>
/// <remarks>
/// <para>
/// libtorch chooses a convolution's backend when the autograd engine runs the convolution's backward node, by the
/// global switch at that moment (checked bit for bit in <c>OneDnnLayerTests</c>). Setting the switch from hooks
/// that run before and after a layer's backward is not enough: the engine orders ready nodes by creation, so nodes
/// of other branches can run between such hooks and the layer's node. This function instead runs the layer's
/// backward nodes itself, inside its own backward, with <c>torch.autograd.grad</c> on the layer's output — nothing
/// else can run in between.
/// </para>
/// <para>
/// The layer's forward is computed as usual (with oneDNN when its forward is right); references to its output and
/// input are kept (outside any dispose scope) until the backward has used them, then disposed; if no backward
/// follows, the finaliser frees them. A second backward through the same graph (retain_graph) is not supported.
/// </para>
/// </remarks>
internal sealed class OneDnnOffBackward : autograd.MultiTensorFunction<OneDnnOffBackward>
{
    private const string LayerKey = "layer";

    /// <inheritdoc />
    public override string Name => nameof(OneDnnOffBackward);

    /// <summary>
    /// The layer's output, to be used downstream instead of <paramref name="output"/>: same values, and a backward
    /// pass that gives <paramref name="input"/> and <paramref name="parameters"/> their gradients without oneDNN.
    /// </summary>
    /// <param name="output">The layer's output, computed with autograd from <paramref name="input"/> and <paramref name="parameters"/>.</param>
    /// <param name="input">The layer's input.</param>
    /// <param name="parameters">The layer's trainable parameters (those that require a gradient).</param>
    public static Tensor Wrap(Tensor output, Tensor input, IReadOnlyList<Tensor> parameters)
    {
        // Own references to the same native tensors: the caller's dispose scopes free theirs when its forward ends,
        // long before the backward needs the layer's graph.
        var layer = new LayerGraph(output.alias().DetachFromDisposeScope(), [input.alias().DetachFromDisposeScope(), .. parameters]);
        return apply([layer, input, .. parameters])[0];
    }

    /// <inheritdoc />
    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var layer = (LayerGraph)vars[0];
        ctx.save_data(LayerKey, layer);
        // A new tensor on the same storage, without the layer's graph: autograd attaches this function to it.
        return [layer.Output.detach()];
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var layer = (LayerGraph)ctx.get_data(LayerKey);
        var wantsGradient = layer.Inputs.Select(t => t.requires_grad).ToArray();
        var wanted = layer.Inputs.Where((_, i) => wantsGradient[i]).ToArray();
        IList<Tensor> gradients;
        OneDnnLayerSwitch.HoldOff();
        try
        {
            gradients = autograd.grad([layer.Output], wanted, [grad_outputs[0]], allow_unused: true);
        }
        finally
        {
            OneDnnLayerSwitch.Release();
            layer.Output.Dispose();
            layer.Inputs[0].Dispose();
        }
        // One entry per argument of apply: none for the graph holder, then one per tensor (null where no gradient is wanted).
        var result = new List<Tensor> { null! };
        var next = 0;
        foreach (var wants in wantsGradient) result.Add(wants ? gradients[next++] : null!);
        return result;
    }

    /// <summary>The layer's output with its autograd graph, and the tensors the graph leads back to.</summary>
    private sealed class LayerGraph(Tensor output, Tensor[] inputs)
    {
        public Tensor Output { get; } = output;

        public Tensor[] Inputs { get; } = inputs;
    }
}
