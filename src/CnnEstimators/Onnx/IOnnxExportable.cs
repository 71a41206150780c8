namespace CnnMl.Onnx;

/// <summary>
/// Implemented by a network module that knows how to write its own forward pass as ONNX nodes. Each module kind
/// of the library implements it next to its <c>forward</c>, so a new architecture brings its own export;
/// TorchSharp's primitive modules (convolutions, batch norms, pools, activations, <c>Linear</c>, <c>Sequential</c>, …)
/// are exported by <see cref="OnnxGraphBuilder.Module"/> without it.
/// </summary>
/// <remarks>
/// The export describes the module in eval mode (batch norm with its running statistics, dropout as the identity),
/// whatever its current training flag.
/// </remarks>
public interface IOnnxExportable
{
    /// <summary>
    /// Appends the nodes computing this module's output from the graph value <paramref name="input"/> and returns the
    /// name of the output value. Children are exported with <c>graph.Module(child, value)</c>.
    /// </summary>
    /// <param name="graph">The graph being built; knows every value's shape (<see cref="OnnxGraphBuilder.ShapeOf"/>).</param>
    /// <param name="input">Name of the value the module receives (N × C × spatial…).</param>
    string ExportOnnx(OnnxGraphBuilder graph, string input);
}
