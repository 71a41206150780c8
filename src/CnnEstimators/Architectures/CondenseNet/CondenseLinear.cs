using CnnMl.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// CondenseNet's condensed classifier (official <c>layers.CondenseLinear</c>, filled by <c>CondensingLinear</c>):
/// it reads only the selected input features (<c>index</c>) through a smaller linear layer. Converted from a
/// trained <c>Linear</c>, it keeps the inputs with the largest L1 weight column (summed over the outputs).
/// </summary>
/// <remarks>State-dict entries are the official names: <c>linear.weight</c>, <c>linear.bias</c>, <c>index</c>.</remarks>
public sealed class CondenseLinear : Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>Fraction of the inputs the official conversion keeps (its <c>drop_rate=0.5</c>, which is in fact the kept fraction).</summary>
    public const double OfficialKeepFraction = 0.5;

    // Field names are the official attribute names: they become the state-dict keys.
    private readonly Linear linear;
    private readonly Tensor index;

    /// <summary>
    /// Creates an empty condensed classifier reading ⌊<paramref name="inFeatures"/> · <paramref name="keepFraction"/>⌋
    /// of <paramref name="inFeatures"/> features (index all 0 until weights are loaded or <see cref="FromLinear"/> fills it).
    /// </summary>
    public CondenseLinear(long inFeatures, long outFeatures, double keepFraction = OfficialKeepFraction) : base(nameof(CondenseLinear))
    {
        var kept = KeptCount(inFeatures, keepFraction);
        InFeatures = kept;
        OutFeatures = outFeatures;
        linear = Linear(kept, outFeatures);
        index = zeros(new[] { kept }, ScalarType.Int64);
        RegisterComponents();
    }

    /// <summary>Number of input features read (the size of <see cref="Index"/>).</summary>
    public long InFeatures { get; }

    /// <summary>Output features.</summary>
    public long OutFeatures { get; }

    /// <summary>The input features read, least important first as the official code stores them. Do not dispose.</summary>
    public Tensor Index => index;

    /// <summary>The linear layer over the selected features.</summary>
    public Linear Layer => linear;

    /// <summary>
    /// Converts a trained classifier as the official <c>CondensingLinear</c>: ranks the inputs by the L1 norm of
    /// their weight column and keeps the top ⌊in · <paramref name="keepFraction"/>⌋, in increasing importance;
    /// bias unchanged. With <paramref name="keepFraction"/> = 1 the outputs equal the source's. Copies every tensor.
    /// </summary>
    public static CondenseLinear FromLinear(Linear source, double keepFraction = OfficialKeepFraction)
    {
        ArgumentNullException.ThrowIfNull(source);
        var inFeatures = source.weight.shape[1];
        var condensed = new CondenseLinear(inFeatures, source.weight.shape[0], keepFraction);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ascending = source.weight.abs().sum(dim: 0).sort(stable: true).Indices;
        var kept = ascending.narrow(0, inFeatures - condensed.InFeatures, condensed.InFeatures);
        condensed.index.copy_(kept);
        condensed.linear.weight.copy_(source.weight.index_select(1, kept));
        if (source.bias is { } bias) condensed.linear.bias!.copy_(bias);
        else condensed.linear.bias!.zero_();
        return condensed;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return linear.call(x.index_select(1, index)).MoveToOuterDisposeScope();
    }

    /// <summary>Exports <c>index_select</c> of the kept features as <c>Gather</c>, then the linear layer.</summary>
    public string ExportOnnx(OnnxGraphBuilder graph, string input) =>
        graph.Module(linear, graph.Gather(input, index, axis: 1));

    private static long KeptCount(long inFeatures, double keepFraction)
    {
        if (keepFraction is <= 0 or > 1 || double.IsNaN(keepFraction))
            throw new ArgumentOutOfRangeException(nameof(keepFraction), keepFraction, "The kept fraction of classifier inputs must be in (0, 1].");
        var kept = (long)(inFeatures * keepFraction); // truncates like the official int(in_features * drop_rate)
        if (kept < 1)
            throw new ArgumentOutOfRangeException(nameof(keepFraction), keepFraction, $"Keeping {keepFraction} of {inFeatures} inputs leaves none.");
        return kept;
    }
}
