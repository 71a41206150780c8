namespace CnnMl.Samples.ConvFromScratch;

/// <summary>
/// One line of a <see cref="ConvComparison"/>: a kind of convolution, its parameter count by formula, and the
/// count of the real TorchSharp modules built with the same settings.
/// </summary>
public sealed class ConvParameterCount
{
    internal ConvParameterCount(string kind, string formula, long fromFormula, long fromModules, string modules)
    {
        Kind = kind;
        Formula = formula;
        FromFormula = fromFormula;
        FromModules = fromModules;
        Modules = modules;
    }

    /// <summary>"regular", "depthwise separable" or "group".</summary>
    public string Kind { get; }

    /// <summary>The source document's formula, e.g. <c>k·k·M + M·N</c>.</summary>
    public string Formula { get; }

    /// <summary>The count the formula gives (<see cref="ParameterFormulas"/>).</summary>
    public long FromFormula { get; }

    /// <summary><c>sum(p.numel())</c> over the modules built for this kind.</summary>
    public long FromModules { get; }

    /// <summary>The modules that were built, e.g. <c>Conv2d(32, 32, 3, groups=32) + Conv2d(32, 64, 1)</c>.</summary>
    public string Modules { get; }

    /// <summary>True when formula and modules give the same count.</summary>
    public bool Agrees => FromFormula == FromModules;

    /// <inheritdoc />
    public override string ToString() => $"{Kind}: {Formula} = {FromFormula} (modules: {FromModules})";
}
