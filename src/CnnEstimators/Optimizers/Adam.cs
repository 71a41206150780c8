using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Optimizers;

/// <summary>
/// Adam (<c>torch.optim.Adam</c>), the source document's choice and the default. Weight decay is added to the gradient
/// (L2 regularization); <see cref="AdamW"/> decouples it.
/// </summary>
public class Adam : CnnOptimizer
{
    /// <summary>Decay of the first-moment estimate, in [0, 1). Default 0.9, PyTorch's.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Decay of the second-moment estimate, in [0, 1). Default 0.999, PyTorch's.</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>Added to the denominator, 0 or more. Default 1e-8, PyTorch's.</summary>
    public double Eps { get; set; } = 1e-8;

    /// <summary>Weight decay, 0 or more. Default 0 (PyTorch's for Adam; <see cref="AdamW"/> starts at 0.01).</summary>
    public double WeightDecay { get; set; }

    /// <inheritdoc />
    public override optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.Adam(parameters, LearningRate, Beta1, Beta2, Eps, WeightDecay);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        RequireFraction(Beta1, nameof(Beta1));
        RequireFraction(Beta2, nameof(Beta2));
        RequireNonNegative(Eps, nameof(Eps));
        RequireNonNegative(WeightDecay, nameof(WeightDecay));
    }

    /// <inheritdoc />
    protected override string Details() => WeightDecay > 0 ? FormattableString.Invariant($", weight decay {WeightDecay:G4}") : "";
}
