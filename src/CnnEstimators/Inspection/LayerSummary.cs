namespace CnnMl.Inspection;

/// <summary>
/// One row of a <see cref="ModelSummary"/>: one call of one module during the summary's forward pass, or a
/// module that owns parameters but was never seen being called.
/// </summary>
public sealed class LayerSummary
{
    internal LayerSummary(string name, string type, int depth, IReadOnlyList<long>? outputShape,
        long parameters, long trainableParameters, long macs, bool wasCalled, bool isRepeatedCall)
    {
        Name = name;
        Type = type;
        Depth = depth;
        OutputShape = outputShape;
        Parameters = parameters;
        TrainableParameters = trainableParameters;
        Macs = macs;
        WasCalled = wasCalled;
        IsRepeatedCall = isRepeatedCall;
    }

    /// <summary>
    /// The module's path in the module tree, as in state-dict keys (<c>layer1.0.conv1</c>, <c>conv1.0</c>);
    /// empty for the model itself.
    /// </summary>
    public string Name { get; }

    /// <summary>The module's class name (<c>Conv2d</c>, <c>Sequential</c>, <c>Bottleneck</c>).</summary>
    public string Type { get; }

    /// <summary>Depth in the module tree: 0 for the model, 1 for its direct children, and so on.</summary>
    public int Depth { get; }

    /// <summary>
    /// Shape of the module's output for a batch of one, batch dimension first (e.g. <c>[1, 64, 56, 56]</c>);
    /// null when the module was never called through <c>call</c> with one tensor in and one out.
    /// </summary>
    public IReadOnlyList<long>? OutputShape { get; }

    /// <summary>
    /// Parameter values owned directly by this module (not by its children), so that the rows add up to the
    /// model's total. A module called more than once counts them on its first row only.
    /// </summary>
    public long Parameters { get; }

    /// <summary>The part of <see cref="Parameters"/> that requires gradients.</summary>
    public long TrainableParameters { get; }

    /// <summary>Multiply-accumulates of this call done by the module itself (see <see cref="MacCounter"/>); 0 for containers.</summary>
    public long Macs { get; }

    /// <summary>
    /// False for a module that owns parameters but was never called through <c>call</c> during the pass
    /// (called through <c>forward</c>, unused, or with a signature other than one tensor in and out).
    /// </summary>
    public bool WasCalled { get; }

    /// <summary>True when this row is a second or later call of the same module (its parameters are on the first row).</summary>
    public bool IsRepeatedCall { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{(Name.Length == 0 ? "(model)" : Name)} ({Type}) {SummaryFormat.Shape(OutputShape)} params {Parameters} MACs {Macs}";
}
