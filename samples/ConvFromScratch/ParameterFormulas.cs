namespace CnnMl.Samples.ConvFromScratch;

/// <summary>
/// Closed-form parameter counts of the layers the source document compares: regular, group and
/// depthwise-separable convolutions in 1D/2D/3D, and linear layers. They agree with
/// <c>sum(p.numel())</c> of the corresponding TorchSharp modules (the tests check a grid of settings).
/// </summary>
/// <remarks>
/// The source document counts weights only (<c>k·k·M·N</c>); pass <c>bias: true</c> to add the bias vectors that
/// PyTorch's layers have by default.
/// </remarks>
public static class ParameterFormulas
{
    /// <summary>
    /// A convolution with kernel <paramref name="kernel"/> (one size per spatial dimension):
    /// <c>prod(kernel) · Cin · Cout / g</c>, plus <c>Cout</c> with a bias.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive, or the channels are not divisible by the groups.</exception>
    public static long Convolution(IReadOnlyList<long> kernel, long inChannels, long outChannels, bool bias, long groups = 1)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (kernel.Count == 0)
            throw new ArgumentException("A convolution kernel needs at least one spatial size.", nameof(kernel));
        foreach (var size in kernel) RequirePositive(size, nameof(kernel));
        RequireGroups(inChannels, outChannels, groups);
        var volume = kernel.Aggregate(1L, (a, b) => a * b);
        // Each of the Cout filters sees only its group's Cin/g input channels.
        return volume * (inChannels / groups) * outChannels + (bias ? outChannels : 0);
    }

    /// <summary>
    /// A convolution with a cubic kernel of side <paramref name="kernel"/> in <paramref name="spatialRank"/> dimensions
    /// (1, 2 or 3 for Conv1d/2d/3d): <c>k^d · Cin · Cout / g</c>, plus <c>Cout</c> with a bias.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive, or the channels are not divisible by the groups.</exception>
    public static long Convolution(long kernel, int spatialRank, long inChannels, long outChannels, bool bias, long groups = 1)
    {
        RequirePositive(spatialRank, nameof(spatialRank));
        return Convolution(Enumerable.Repeat(kernel, spatialRank).ToArray(), inChannels, outChannels, bias, groups);
    }

    /// <summary>
    /// The source document's group convolution, <c>k·k·(c1/g)·(c2/g)·g = k·k·c1·c2/g</c> (2D), plus <c>c2</c> with a bias.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive, or the channels are not divisible by the groups.</exception>
    public static long GroupConvolution(long kernel, long inChannels, long outChannels, long groups, bool bias) =>
        Convolution(kernel, 2, inChannels, outChannels, bias, groups);

    /// <summary>
    /// The source document's depthwise-separable convolution: a depthwise <c>k^d</c> convolution on each of the M input
    /// channels (<c>groups = M</c>) then a pointwise 1×1 convolution from M to N channels:
    /// <c>k·k·M + M·N</c> in 2D, plus <c>M + N</c> with biases on both.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public static long DepthwiseSeparable(long kernel, long inChannels, long outChannels, bool bias, int spatialRank = 2) =>
        Convolution(kernel, spatialRank, inChannels, inChannels, bias, groups: inChannels)
        + Convolution(1, spatialRank, inChannels, outChannels, bias);

    /// <summary>A linear layer: <c>in · out</c>, plus <c>out</c> with a bias.</summary>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public static long Linear(long inFeatures, long outFeatures, bool bias)
    {
        RequirePositive(inFeatures, nameof(inFeatures));
        RequirePositive(outFeatures, nameof(outFeatures));
        return inFeatures * outFeatures + (bias ? outFeatures : 0);
    }

    private static void RequireGroups(long inChannels, long outChannels, long groups)
    {
        RequirePositive(inChannels, nameof(inChannels));
        RequirePositive(outChannels, nameof(outChannels));
        RequirePositive(groups, nameof(groups));
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException(
                $"A convolution with {groups} groups needs input and output channels divisible by {groups}; got {inChannels} → {outChannels}.",
                nameof(groups));
    }

    private static void RequirePositive(long value, string name)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1.");
    }
}
