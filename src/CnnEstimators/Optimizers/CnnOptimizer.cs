using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Optimizers;

/// <summary>
/// An optimizer and its settings, as <c>CnnTrainerOptions.Optimizer</c> takes it: <see cref="Adam"/> (the default),
/// <see cref="AdamW"/>, <see cref="Sgd"/>, or your own subclass. Each creates its TorchSharp optimizer itself. To
/// checkpoint and resume a run, an optimizer must be registered (<see cref="CnnOptimizers.Register{T}"/>): a
/// checkpoint records the registered name and the public settings as JSON, and the optimizer's per-parameter state
/// (TorchSharp's state fields: <c>step</c> and its tensors) under the parameters' names.
/// </summary>
public abstract class CnnOptimizer
{
    /// <summary>The learning rate every optimizer starts from unless told otherwise: 1e-3, the source document's.</summary>
    public const double DefaultLearningRate = 1e-3;

    /// <summary>The (base) learning rate; a schedule scales it per step. Default <see cref="DefaultLearningRate"/>.</summary>
    public double LearningRate { get; set; } = DefaultLearningRate;

    /// <summary>A new TorchSharp optimizer over <paramref name="parameters"/> at <see cref="LearningRate"/>, with these settings.</summary>
    public abstract optim.Optimizer Create(IEnumerable<Parameter> parameters);

    /// <summary>Checks every setting; out-of-range values throw, naming the option (<c>Optimizer.Name</c>) and the value.</summary>
    /// <exception cref="ArgumentException">A setting out of its range.</exception>
    public virtual void Validate() => RequirePositive(LearningRate, nameof(LearningRate));

    /// <summary>One line for the console and the training log, e.g. "Adam lr 0.001, weight decay 0.01".</summary>
    public override string ToString() => FormattableString.Invariant($"{GetType().Name} lr {LearningRate:G4}") + Details();

    /// <summary>What <see cref="ToString"/> adds after the learning rate (", momentum 0.9"); empty by default.</summary>
    protected virtual string Details() => "";

    /// <summary>Throws unless <paramref name="value"/> is a positive finite number.</summary>
    protected void RequirePositive(double value, string setting)
    {
        if (!(value > 0) || double.IsInfinity(value)) throw OutOfRange(setting, value, "a positive finite number");
    }

    /// <summary>Throws unless <paramref name="value"/> is a finite number, 0 or more.</summary>
    protected void RequireNonNegative(double value, string setting)
    {
        if (!(value >= 0) || double.IsInfinity(value)) throw OutOfRange(setting, value, "a finite number, 0 or more");
    }

    /// <summary>Throws unless <paramref name="value"/> lies in [0, 1).</summary>
    protected void RequireFraction(double value, string setting)
    {
        if (!(value >= 0 && value < 1)) throw OutOfRange(setting, value, "in [0, 1)");
    }

    /// <summary>An exception naming the setting (<c>Optimizer.Setting</c>), its value and its rule.</summary>
    protected ArgumentOutOfRangeException OutOfRange(string setting, double value, string rule) =>
        new($"Optimizer.{setting}", value,
            $"{GetType().Name}.{setting} must be {rule}; got {value.ToString("R", CultureInfo.InvariantCulture)}.");
}
