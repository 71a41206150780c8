using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Inspection;

/// <summary>
/// Multiply-accumulate operations (MACs) of one module call, in the convention torchvision publishes as
/// "GFLOPS": only convolutions and linear layers count, the bias is not counted, and everything else
/// (activations, pooling, normalization, additions) is free.
/// </summary>
/// <remarks>
/// Convolution (1D/2D/3D, any stride, padding, dilation, groups): every output element is a dot product over
/// <c>in_channels / groups</c> channels and the kernel volume, so MACs = <c>output.numel() × (Cin/g) × prod(kernel)</c>.
/// Transposed convolution: every input element is scattered into <c>out_channels / groups</c> channels over the
/// kernel volume, so MACs = <c>input.numel() × (Cout/g) × prod(kernel)</c>. Both are read from the weight's shape. Linear: MACs =
/// <c>output.numel() × in_features</c>. A module implementing <see cref="ICountsOwnMacs"/> reports its own.
/// Counts include the batch dimension: a batch of one gives the per-example cost.
/// </remarks>
public static class MacCounter
{
    /// <summary>MACs done by <paramref name="module"/> itself (not its children) for one call.</summary>
    public static long Count(nn.Module module, Tensor input, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        return module switch
        {
            ICountsOwnMacs own => own.CountOwnMacs(input, output),
            // The weight shape is the truth even when the module's settings were edited after construction:
            // convolution [Cout, Cin/g, k…], transposed convolution [Cin, Cout/g, k…], linear [out, in].
            ConvolutionTranspose t => input.numel() * FanPerElement(t.weight.shape),
            Convolution c => output.numel() * FanPerElement(c.weight.shape),
            Linear l => output.numel() * l.weight.shape[1],
            _ => 0,
        };
    }

    /// <summary>Weight values one output (or, transposed, one input) element meets: <c>shape[1] × prod(shape[2..])</c>.</summary>
    private static long FanPerElement(long[] weightShape)
    {
        var fan = 1L;
        for (var i = 1; i < weightShape.Length; i++) fan *= weightShape[i];
        return fan;
    }
}
