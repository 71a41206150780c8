using System.Text;
using static TorchSharp.torch;

namespace CnnMl.Inspection;

/// <summary>
/// The output shape after each layer at one depth of a network, in call order — the source document's
/// LeNet print (<c>for layer in net: X = layer(X); print(layer.__class__.__name__, 'output shape:', X.shape)</c>).
/// </summary>
internal sealed class ShapeTrace
{
    private ShapeTrace(IReadOnlyList<LayerSummary> steps) => Steps = steps;

    /// <summary>The traced calls, in order, each with its <see cref="LayerSummary.Type"/> and <see cref="LayerSummary.OutputShape"/>.</summary>
    public IReadOnlyList<LayerSummary> Steps { get; }

    /// <summary>Traces <paramref name="module"/> on one example of shape <paramref name="input"/> (batch of one).</summary>
    /// <param name="module">The network.</param>
    /// <param name="input">One example's shape, without the batch dimension.</param>
    /// <param name="depth">Which layers to list: 1 (default) for the network's direct children.</param>
    /// <exception cref="ArgumentException">The forward pass fails for this input.</exception>
    public static ShapeTrace Of(nn.Module<Tensor, Tensor> module, ImageShape input, int depth = 1) =>
        From(ModelSummary.Of(module, input), depth);

    /// <summary>The trace contained in an existing summary, at <paramref name="depth"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="depth"/> is negative.</exception>
    public static ShapeTrace From(ModelSummary summary, int depth = 1)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        return new ShapeTrace(summary.LayersAtDepth(depth));
    }

    /// <summary>One line per step: <c>Conv2d     output shape: [1, 6, 28, 28]</c>.</summary>
    public override string ToString()
    {
        var width = Steps.Select(s => s.Type.Length).DefaultIfEmpty(0).Max();
        var text = new StringBuilder();
        foreach (var step in Steps)
            text.Append(step.Type.PadRight(width)).Append(" output shape: ").AppendLine(SummaryFormat.Shape(step.OutputShape));
        return text.ToString().TrimEnd('\n', '\r');
    }
}
