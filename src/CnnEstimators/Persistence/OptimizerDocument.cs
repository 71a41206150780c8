using System.Text.Json.Nodes;
using CnnMl.Optimizers;

namespace CnnMl.Persistence;

/// <summary>
/// optimizer.json: the optimizer's registered name (<see cref="CnnOptimizers"/>), its settings (the public properties
/// of its <see cref="CnnOptimizer"/>, learning rate included) and, per parameter of the network (in
/// <c>named_parameters()</c> order), the steps taken and the names of its state tensors — PyTorch's
/// <c>param_groups</c> and <c>state[i]</c>. The tensors are in optimizer.safetensors as <c>&lt;parameter&gt;.&lt;state&gt;</c>
/// (Adam: <c>exp_avg</c>, <c>exp_avg_sq</c>).
/// </summary>
internal sealed record OptimizerDocument
{
    /// <summary>The registered name of the optimizer.</summary>
    public required string Optimizer { get; init; }

    /// <summary>Its settings, every public property of its <see cref="CnnOptimizer"/> type.</summary>
    public required JsonObject Settings { get; init; }

    /// <summary>One entry per parameter of the network, in order.</summary>
    public required IReadOnlyList<ParameterState> Parameters { get; init; }

    /// <summary>A parameter's name, the optimizer's step count for it, and the names of its state tensors.</summary>
    /// <param name="Name">The parameter's state-dict name.</param>
    /// <param name="Step">Steps that updated it (those where it had a gradient); 0 for optimizers that count none.</param>
    /// <param name="State">Its state tensors' names (TorchSharp's state fields, PyTorch's state keys), e.g. exp_avg.</param>
    internal sealed record ParameterState(string Name, long Step, IReadOnlyList<string> State);

    /// <summary>
    /// Checks the settings through the registry (known name, every setting present and in range), and the parameters
    /// against the network and the step total. Returns the optimizer the settings describe.
    /// </summary>
    /// <exception cref="InvalidDataException">Names the field and the rule.</exception>
    public CnnOptimizer Validate(IReadOnlyList<string> parameterNames, long stepsCompleted)
    {
        const string entry = CheckpointEntries.OptimizerSettings;
        if (!CnnOptimizers.All.Contains(Optimizer))
            throw new InvalidDataException($"{entry}: optimizer '{SafetensorsReader.Shorten(Optimizer)}' is not registered; registered: {string.Join(", ", CnnOptimizers.All)}.");
        var optimizer = CheckpointJson.ToOptimizer(Optimizer, Settings, entry);
        if (Parameters.Count != parameterNames.Count)
            throw new InvalidDataException($"{entry}: lists {Parameters.Count} parameters; the network has {parameterNames.Count}.");
        for (var i = 0; i < Parameters.Count; i++)
        {
            var parameter = Parameters[i];
            if (parameter is null || parameter.Name != parameterNames[i])
                throw new InvalidDataException($"{entry}: parameters[{i}] is '{SafetensorsReader.Shorten(parameter?.Name ?? "null")}'; the network's parameter {i} is '{parameterNames[i]}'.");
            if (parameter.Step < 0 || parameter.Step > stepsCompleted)
                throw new InvalidDataException($"{entry}: parameters[{i}] ('{parameter.Name}') has step {parameter.Step}; steps lie in 0..{stepsCompleted} (the steps completed in training.json).");
            if (parameter.State.Count > 16 || parameter.State.Distinct().Count() != parameter.State.Count
                || parameter.State.Any(s => s is null || s.Length is 0 or > 64 || !s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
                throw new InvalidDataException($"{entry}: parameters[{i}] ('{parameter.Name}') has state names [{string.Join(", ", parameter.State.Select(s => SafetensorsReader.Shorten(s ?? "null")))}]; " +
                                               "expected at most 16 distinct identifiers (letters, digits, '_').");
        }
        return optimizer;
    }
}
