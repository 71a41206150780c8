using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Runtime;

/// <summary>
/// Everything libtorch looks at when it picks a convolution kernel: the input shape (batch included), the weight
/// shape, groups, stride, padding, dilation, whether the input needs a gradient, and the intra-op threads. Two
/// calls with equal configurations run the same kernel, so one oneDNN probe answers for both.
/// </summary>
/// <remarks>
/// Non-zero padding modes and <c>padding: same/valid</c> are reduced to what the convolution itself sees: an
/// input padded beforehand (its padded shape) and explicit symmetric zero padding.
/// </remarks>
internal sealed class ConvolutionConfiguration : IEquatable<ConvolutionConfiguration>
{
    private ConvolutionConfiguration(long[] input, long[] weight, long groups, long[] stride, long[] padding, long[] dilation,
        bool hasBias, bool needsInputGradient, int threads)
    {
        Input = input;
        Weight = weight;
        Groups = groups;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        HasBias = hasBias;
        NeedsInputGradient = needsInputGradient;
        Threads = threads;
        Description = string.Create(CultureInfo.InvariantCulture,
            $"conv{SpatialDimensions}d {Dims(input)} → {weight[0]} channels (kernel {Dims(weight[2..])}, groups {groups}, stride {Dims(stride)}, " +
            $"padding {Dims(padding)}, dilation {Dims(dilation)}{(hasBias ? ", bias" : "")}), {(needsInputGradient ? "input and weight gradients" : "weight gradient only")}, {threads} thread(s)");
    }

    /// <summary>Input shape: batch, channels, then 1–3 spatial sizes.</summary>
    public long[] Input { get; }

    /// <summary>Weight shape: output channels, input channels per group, kernel sizes.</summary>
    public long[] Weight { get; }

    /// <summary>Convolution groups.</summary>
    public long Groups { get; }

    /// <summary>Stride per spatial axis.</summary>
    public long[] Stride { get; }

    /// <summary>Zero padding per spatial axis (both sides).</summary>
    public long[] Padding { get; }

    /// <summary>Dilation per spatial axis.</summary>
    public long[] Dilation { get; }

    /// <summary>Whether the convolution adds a bias.</summary>
    public bool HasBias { get; }

    /// <summary>Whether the backward pass computes the input's gradient (not for a network's first layer).</summary>
    public bool NeedsInputGradient { get; }

    /// <summary>libtorch intra-op threads in use (oneDNN and the native kernels choose different code paths by it).</summary>
    public int Threads { get; }

    /// <summary>1, 2 or 3.</summary>
    public int SpatialDimensions => Input.Length - 2;

    /// <summary>Output channels.</summary>
    public long OutputChannels => Weight[0];

    /// <summary>One line that names every field; also the identity used for equality.</summary>
    public string Description { get; }

    /// <summary>
    /// The configuration of <paramref name="convolution"/> applied to an input of shape <paramref name="input"/>
    /// (batch first), with the threads libtorch uses now.
    /// </summary>
    public static ConvolutionConfiguration Of(Convolution convolution, ReadOnlySpan<long> input, bool needsInputGradient)
    {
        var dims = input.Length - 2;
        if (dims is < 1 or > 3 || convolution.kernel_size.Length != dims)
            throw new ArgumentException($"A {convolution.kernel_size.Length}-D convolution cannot take an input of shape [{string.Join(", ", input.ToArray())}].", nameof(input));
        var shape = input.ToArray();
        var padding = new long[dims];
        if (convolution.padding_type is { } type)
        {
            for (var i = 0; i < dims; i++)
            {
                // 'same' pads dilation·(k − 1) in total; an odd total is padded onto the input beforehand (libtorch does the same).
                var total = type == TorchSharp.Padding.Same ? convolution.dilation[i] * (convolution.kernel_size[i] - 1) : 0;
                if (total % 2 == 0) padding[i] = total / 2;
                else shape[i + 2] += total;
            }
        }
        else if (convolution.padding_mode != PaddingModes.Zeros)
        {
            // Reflect/replicate/circular padding is applied to the input first; the convolution itself pads nothing.
            for (var i = 0; i < dims; i++) shape[i + 2] += 2 * convolution.padding![i];
        }
        else
        {
            for (var i = 0; i < dims; i++) padding[i] = convolution.padding![i];
        }
        return new ConvolutionConfiguration(shape, convolution.weight.shape, convolution.groups, convolution.stride.ToArray(), padding,
            convolution.dilation.ToArray(), convolution.bias is not null, needsInputGradient, torch.get_num_threads());
    }

    /// <summary>A configuration given field by field (tests, benchmarks).</summary>
    public static ConvolutionConfiguration Create(long[] input, long[] weight, long groups, long[] stride, long[] padding, long[] dilation,
        bool hasBias, bool needsInputGradient, int threads) =>
        new(input, weight, groups, stride, padding, dilation, hasBias, needsInputGradient, threads);

    /// <summary>The same configuration with another batch size.</summary>
    public ConvolutionConfiguration WithBatch(long batch)
    {
        var input = Input.ToArray();
        input[0] = batch;
        return new ConvolutionConfiguration(input, Weight, Groups, Stride, Padding, Dilation, HasBias, NeedsInputGradient, Threads);
    }

    /// <summary>Runs this convolution on <paramref name="input"/> with libtorch's functional convolution.</summary>
    public Tensor Convolve(Tensor input, Tensor weight, Tensor? bias) => SpatialDimensions switch
    {
        1 => nn.functional.conv1d(input, weight, bias, Stride[0], Padding[0], Dilation[0], Groups),
        2 => nn.functional.conv2d(input, weight, bias, Stride, Padding, Dilation, Groups),
        _ => nn.functional.conv3d(input, weight, bias, Stride, Padding, Dilation, Groups),
    };

    /// <inheritdoc />
    public bool Equals(ConvolutionConfiguration? other) => other is not null && Description == other.Description;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ConvolutionConfiguration);

    /// <inheritdoc />
    public override int GetHashCode() => Description.GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => Description;

    private static string Dims(ReadOnlySpan<long> values) => string.Join("×", values.ToArray());
}
