namespace CnnMl.Persistence;

/// <summary>
/// optimizer.json: Adam's hyper-parameters and, per parameter of the network (in <c>named_parameters()</c>
/// order), the number of steps taken — PyTorch's <c>param_groups</c> and <c>state[i]["step"]</c>. The moment
/// estimates are in optimizer.safetensors as <c>&lt;parameter&gt;.exp_avg</c> and <c>&lt;parameter&gt;.exp_avg_sq</c>.
/// </summary>
internal sealed record OptimizerDocument
{
    /// <summary>The only optimizer CnnMl trains with.</summary>
    public const string Adam = "adam";

    /// <summary>Always <see cref="Adam"/>.</summary>
    public required string Optimizer { get; init; }

    /// <summary>Step size.</summary>
    public required double LearningRate { get; init; }

    /// <summary>Decay of the first-moment estimate.</summary>
    public required double Beta1 { get; init; }

    /// <summary>Decay of the second-moment estimate.</summary>
    public required double Beta2 { get; init; }

    /// <summary>Added to the denominator.</summary>
    public required double Eps { get; init; }

    /// <summary>L2 penalty.</summary>
    public required double WeightDecay { get; init; }

    /// <summary>AMSGrad variant (adds <c>&lt;parameter&gt;.max_exp_avg_sq</c> tensors).</summary>
    public required bool Amsgrad { get; init; }

    /// <summary>Maximize instead of minimize.</summary>
    public required bool Maximize { get; init; }

    /// <summary>One entry per parameter of the network, in order.</summary>
    public required IReadOnlyList<ParameterSteps> Parameters { get; init; }

    /// <summary>A parameter's name and Adam's step count for it.</summary>
    /// <param name="Name">The parameter's state-dict name.</param>
    /// <param name="Step">Steps that updated it (those where it had a gradient).</param>
    internal sealed record ParameterSteps(string Name, long Step);

    /// <summary>Checks the values against Adam's domain and the parameters against the network and the step total.</summary>
    /// <exception cref="InvalidDataException">Names the field and the rule.</exception>
    public void Validate(IReadOnlyList<string> parameterNames, long stepsCompleted)
    {
        const string entry = CheckpointEntries.OptimizerSettings;
        if (Optimizer != Adam)
            throw new InvalidDataException($"{entry}: optimizer '{SafetensorsReader.Shorten(Optimizer)}' is not supported; CnnMl trains with '{Adam}'.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new InvalidDataException($"{entry}: learningRate {LearningRate} must be a positive finite number.");
        if (Beta1 is < 0 or >= 1 || Beta2 is < 0 or >= 1 || double.IsNaN(Beta1) || double.IsNaN(Beta2))
            throw new InvalidDataException($"{entry}: beta1 {Beta1} and beta2 {Beta2} must lie in [0, 1).");
        if (!(Eps >= 0) || double.IsInfinity(Eps) || !(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
            throw new InvalidDataException($"{entry}: eps {Eps} and weightDecay {WeightDecay} must be finite and non-negative.");
        if (Parameters.Count != parameterNames.Count)
            throw new InvalidDataException($"{entry}: lists {Parameters.Count} parameters; the network has {parameterNames.Count}.");
        for (var i = 0; i < Parameters.Count; i++)
        {
            var parameter = Parameters[i];
            if (parameter is null || parameter.Name != parameterNames[i])
                throw new InvalidDataException($"{entry}: parameters[{i}] is '{SafetensorsReader.Shorten(parameter?.Name ?? "null")}'; the network's parameter {i} is '{parameterNames[i]}'.");
            if (parameter.Step < 0 || parameter.Step > stepsCompleted)
                throw new InvalidDataException($"{entry}: parameters[{i}] ('{parameter.Name}') has step {parameter.Step}; steps lie in 0..{stepsCompleted} (the steps completed in training.json).");
        }
    }
}
