using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Optimizers;

/// <summary>
/// Stochastic gradient descent (<c>torch.optim.SGD</c>) with optional momentum, Nesterov momentum and weight decay
/// (added to the gradient).
/// </summary>
public sealed class Sgd : CnnOptimizer
{
    /// <summary>Momentum, in [0, 1). Default 0 (PyTorch's: plain SGD).</summary>
    public double Momentum { get; set; }

    /// <summary>Nesterov momentum (needs <see cref="Momentum"/> &gt; 0, as in PyTorch). Default false.</summary>
    public bool Nesterov { get; set; }

    /// <summary>Weight decay, 0 or more. Default 0.</summary>
    public double WeightDecay { get; set; }

    /// <inheritdoc />
    public override optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.SGD(parameters, LearningRate, momentum: Momentum, weight_decay: WeightDecay, nesterov: Nesterov);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        RequireFraction(Momentum, nameof(Momentum));
        RequireNonNegative(WeightDecay, nameof(WeightDecay));
        if (Nesterov && Momentum == 0)
            throw new ArgumentException($"Sgd.Nesterov needs Momentum > 0, as in PyTorch (got Momentum {Momentum}).", "Optimizer.Nesterov");
    }

    /// <inheritdoc />
    protected override string Details()
    {
        var text = Momentum > 0 ? FormattableString.Invariant($", momentum {Momentum:G4}{(Nesterov ? " (Nesterov)" : "")}") : "";
        return text + (WeightDecay > 0 ? FormattableString.Invariant($", weight decay {WeightDecay:G4}") : "");
    }
}
