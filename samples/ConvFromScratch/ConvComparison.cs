using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace CnnMl.Samples.ConvFromScratch;

/// <summary>
/// The source document's argument for cheaper convolutions, worked out for given sizes: parameters of a regular
/// k×k convolution from M to N channels, of a depthwise-separable one (depthwise k×k on each of the M channels,
/// then pointwise 1×1 from M to N), and of a group convolution with g groups — each by formula and by counting
/// the parameters of real <c>nn.Conv2d</c> modules, with the ratios to the regular convolution
/// (<c>1/N + 1/k²</c> and <c>1/g</c> without biases).
/// </summary>
public sealed class ConvComparison
{
    private ConvComparison(long inChannels, long outChannels, long kernel, long groups, bool bias,
        ConvParameterCount regular, ConvParameterCount depthwiseSeparable, ConvParameterCount group)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Groups = groups;
        Bias = bias;
        Regular = regular;
        DepthwiseSeparable = depthwiseSeparable;
        Group = group;
    }

    /// <summary>M, the input channels.</summary>
    public long InChannels { get; }

    /// <summary>N, the output channels.</summary>
    public long OutChannels { get; }

    /// <summary>k, the side of the square kernel.</summary>
    public long Kernel { get; }

    /// <summary>g, the number of groups of the group convolution.</summary>
    public long Groups { get; }

    /// <summary>Whether every convolution carries a bias (the source document's formulas leave it out).</summary>
    public bool Bias { get; }

    /// <summary>The regular convolution, <c>k·k·M·N</c>.</summary>
    public ConvParameterCount Regular { get; }

    /// <summary>The depthwise-separable convolution, <c>k·k·M + M·N</c>.</summary>
    public ConvParameterCount DepthwiseSeparable { get; }

    /// <summary>The group convolution, <c>k·k·M·N/g</c>.</summary>
    public ConvParameterCount Group { get; }

    /// <summary>Depthwise-separable over regular parameters (<c>1/N + 1/k²</c> without biases).</summary>
    public double DepthwiseSeparableRatio => (double)DepthwiseSeparable.FromFormula / Regular.FromFormula;

    /// <summary>Group over regular parameters (<c>1/g</c> without biases).</summary>
    public double GroupRatio => (double)Group.FromFormula / Regular.FromFormula;

    /// <summary>True when every formula agrees with its modules.</summary>
    public bool AllAgree => Regular.Agrees && DepthwiseSeparable.Agrees && Group.Agrees;

    /// <summary>
    /// Computes the comparison for M = <paramref name="inChannels"/>, N = <paramref name="outChannels"/>,
    /// k = <paramref name="kernel"/> and g = <paramref name="groups"/>, building the modules to count them.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive, or M or N is not divisible by g.</exception>
    public static ConvComparison Report(long inChannels, long outChannels, long kernel, long groups, bool bias = false)
    {
        // Validates every size (and divisibility by g) before any module is built.
        var regular = ParameterFormulas.Convolution(kernel, 2, inChannels, outChannels, bias);
        var group = ParameterFormulas.GroupConvolution(kernel, inChannels, outChannels, groups, bias);
        var separable = ParameterFormulas.DepthwiseSeparable(kernel, inChannels, outChannels, bias);

        var (m, n, k, g) = (inChannels, outChannels, kernel, groups);
        var biasText = bias ? "" : ", bias=False";
        return new ConvComparison(m, n, k, g, bias,
            new ConvParameterCount("regular", "k·k·M·N" + (bias ? " + N" : ""), regular,
                CountParameters(nn.Conv2d(m, n, k, bias: bias)),
                $"Conv2d({m}, {n}, {k}{biasText})"),
            new ConvParameterCount("depthwise separable", "k·k·M + M·N" + (bias ? " + M + N" : ""), separable,
                CountParameters(nn.Conv2d(m, m, k, groups: m, bias: bias), nn.Conv2d(m, n, 1, bias: bias)),
                $"Conv2d({m}, {m}, {k}, groups={m}{biasText}) + Conv2d({m}, {n}, 1{biasText})"),
            new ConvParameterCount("group", "k·k·M·N/g" + (bias ? " + N" : ""), group,
                CountParameters(nn.Conv2d(m, n, k, groups: g, bias: bias)),
                $"Conv2d({m}, {n}, {k}, groups={g}{biasText})"));
    }

    /// <summary>The comparison as a short aligned table with the ratios.</summary>
    public override string ToString()
    {
        var rows = new[]
        {
            (Regular, "1"),
            (DepthwiseSeparable, Ratio(DepthwiseSeparableRatio) + (Bias ? "" : "  (1/N + 1/k²)")),
            (Group, Ratio(GroupRatio) + (Bias ? "" : "  (1/g)")),
        };
        var kindWidth = rows.Max(r => Label(r.Item1).Length);
        var formulaWidth = rows.Max(r => r.Item1.Formula.Length);
        var formulaCountWidth = rows.Max(r => Thousands(r.Item1.FromFormula).Length);
        var moduleCountWidth = rows.Max(r => Thousands(r.Item1.FromModules).Length);

        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Parameters of a {Kernel}×{Kernel} convolution from M = {InChannels} to N = {OutChannels} channels ({(Bias ? "with" : "no")} bias)"));
        foreach (var (count, ratio) in rows)
        {
            text.Append(Label(count).PadRight(kindWidth)).Append("  ")
                .Append(count.Formula.PadRight(formulaWidth)).Append("  = ")
                .Append(Thousands(count.FromFormula).PadLeft(formulaCountWidth))
                .Append("  modules ").Append(Thousands(count.FromModules).PadLeft(moduleCountWidth))
                .Append(count.Agrees ? "  " : " ≠ ")
                .Append("× regular: ").AppendLine(ratio);
        }
        return text.ToString().TrimEnd('\n', '\r');
    }

    private string Label(ConvParameterCount count) => ReferenceEquals(count, Group) ? $"group (g = {Groups})" : count.Kind;

    private static string Ratio(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    private static long CountParameters(params nn.Module[] modules)
    {
        try
        {
            return modules.Sum(module => module.parameters().Sum(p => p.numel()));
        }
        finally
        {
            foreach (var module in modules) module.Dispose();
        }
    }

    private static string Thousands(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
