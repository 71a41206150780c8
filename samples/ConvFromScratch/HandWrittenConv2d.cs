using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Samples.ConvFromScratch;

/// <summary>
/// The source document's hand-written convolutional layer (d2l's <c>Conv2D</c>, renamed so it cannot be mistaken for TorchSharp's <c>Conv2d</c>): a kernel <c>weight</c>
/// initialized uniformly in [0, 1) and a scalar <c>bias</c> initialized to 0; the output is
/// <c>corr2d(x, weight) + bias</c> (<see cref="Corr2d.Compute"/>). Input and output are single 2-D
/// images (H, W), not batches. Trainable, but slow: one tensor operation per output element.
/// </summary>
public sealed class HandWrittenConv2d : Module<Tensor, Tensor>
{
    // Names are the source document's: the state-dict keys are "weight" and "bias".
    private readonly Parameter weight;
    private readonly Parameter bias;

    /// <summary>Creates the layer with an <paramref name="kernelHeight"/>×<paramref name="kernelWidth"/> kernel.</summary>
    public HandWrittenConv2d(long kernelHeight, long kernelWidth) : base(nameof(HandWrittenConv2d))
    {
        if (kernelHeight < 1 || kernelWidth < 1)
            throw new ArgumentException($"HandWrittenConv2d: the kernel size must be positive; got {kernelHeight}x{kernelWidth}.");
        weight = Parameter(rand(kernelHeight, kernelWidth));
        bias = Parameter(zeros(1));
        RegisterComponents();
    }

    /// <summary>The kernel, shape (h, w).</summary>
    public Parameter Weight => weight;

    /// <summary>The scalar bias, shape (1).</summary>
    public Parameter Bias => bias;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (Corr2d.Compute(x, weight) + bias).MoveToOuterDisposeScope();
    }
}
