using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Optimizers;

/// <summary>
/// AdamW (<c>torch.optim.AdamW</c>): Adam with decoupled weight decay — each step shrinks every weight by
/// lr × weight decay, independently of the gradient's scale.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>PyTorch's default weight decay for AdamW (TorchSharp's is 0).</summary>
    public const double DefaultWeightDecay = 0.01;

    /// <summary>An AdamW with PyTorch's defaults (weight decay <see cref="DefaultWeightDecay"/>).</summary>
    public AdamW() => WeightDecay = DefaultWeightDecay;

    /// <inheritdoc />
    public override optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.AdamW(parameters, LearningRate, Beta1, Beta2, Eps, WeightDecay);
}
