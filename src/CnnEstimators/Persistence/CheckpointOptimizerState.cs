using System.Reflection;
using CnnMl.Optimizers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Persistence;

/// <summary>
/// An optimizer's state in checkpoint form, for any TorchSharp optimizer: the settings and step counts
/// (<see cref="OptimizerDocument"/>) and, per parameter, each state tensor TorchSharp keeps as a public field of its
/// state record (<c>exp_avg</c>, <c>exp_avg_sq</c> for Adam; <c>square_avg</c> for RMSprop; <c>momentum_buffer</c> for
/// SGD with momentum), named <c>&lt;parameter&gt;.&lt;field&gt;</c> as PyTorch's state keys are. Captured from a live
/// optimizer to write, or allocated from a validated document to read into, then restored into a fresh optimizer
/// over the same parameters. Owns the tensors it allocated.
/// </summary>
internal sealed class CheckpointOptimizerState : IDisposable
{
    private const string StepField = "step";

    private readonly Dictionary<string, Tensor> _tensors;

    private CheckpointOptimizerState(OptimizerDocument document, CnnOptimizer settings, Dictionary<string, Tensor> tensors)
    {
        Document = document;
        Settings = settings;
        _tensors = tensors;
    }

    /// <summary>The optimizer's name, settings and step counts as read.</summary>
    public OptimizerDocument Document { get; }

    /// <summary>The optimizer the checkpoint was trained with: its type and settings.</summary>
    public CnnOptimizer Settings { get; }

    /// <summary>The state tensors by checkpoint name: targets to read into.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>
    /// The document and the tensors (live aliases, in parameter order) of <paramref name="optimizer"/>, created by
    /// <paramref name="settings"/> over the parameters named <paramref name="parameterNames"/>, in that order.
    /// </summary>
    public static (OptimizerDocument Document, List<KeyValuePair<string, Tensor>> Tensors) Describe(
        CnnOptimizer settings, optim.Optimizer optimizer, IReadOnlyList<string> parameterNames)
    {
        var name = CnnOptimizers.NameOf(settings)
                   ?? throw new InvalidOperationException($"{settings.GetType().Name} is not registered (CnnOptimizers.Register); a checkpoint cannot record it.");
        var states = Unpack(optimizer, parameterNames.Count);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        var parameters = new List<OptimizerDocument.ParameterState>();
        for (var i = 0; i < states.Count; i++)
        {
            var fields = TensorFields(states[i]).Where(f => f.GetValue(states[i]) is Tensor).ToList();
            parameters.Add(new OptimizerDocument.ParameterState(parameterNames[i], Step(states[i]), fields.Select(f => f.Name).ToArray()));
            tensors.AddRange(fields.Select(f => new KeyValuePair<string, Tensor>(parameterNames[i] + "." + f.Name, (Tensor)f.GetValue(states[i])!)));
        }
        var document = new OptimizerDocument { Optimizer = name, Settings = CheckpointJson.ToSettings(settings), Parameters = parameters };
        return (document, tensors);
    }

    /// <summary>Zero tensors (CPU) shaped like each parameter, for every state tensor <paramref name="document"/> lists.</summary>
    public static CheckpointOptimizerState Allocate(OptimizerDocument document, CnnOptimizer settings, IReadOnlyList<(string Name, Tensor Parameter)> parameters)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < parameters.Count; i++)
            {
                var (name, parameter) = parameters[i];
                foreach (var field in document.Parameters[i].State) tensors.Add(name + "." + field, Zeros(parameter));
            }
        }
        catch
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            throw;
        }
        return new CheckpointOptimizerState(document, settings, tensors);
    }

    // Detached: the caller may be inside a dispose scope of its own, and these tensors outlive it.
    private static Tensor Zeros(Tensor like) => zeros(like.shape, like.dtype).DetachFromDisposeScope();

    /// <summary>
    /// Puts the step counts and state tensors into <paramref name="optimizer"/>, a fresh optimizer of the same kind and
    /// settings over the same parameters (on any device).
    /// </summary>
    /// <exception cref="InvalidOperationException">The optimizer keeps other state than the checkpoint holds.</exception>
    public void RestoreInto(optim.Optimizer optimizer)
    {
        var parameters = Document.Parameters;
        var states = Unpack(optimizer, parameters.Count);
        using var noGrad = no_grad();
        for (var i = 0; i < states.Count; i++)
        {
            var state = states[i];
            var fields = TensorFields(state).ToDictionary(f => f.Name, StringComparer.Ordinal);
            var saved = parameters[i].State;
            foreach (var unknown in saved.Where(s => !fields.ContainsKey(s)))
                throw new InvalidOperationException($"The checkpoint holds '{unknown}' state for '{parameters[i].Name}', which {optimizer.GetType().Name} does not keep.");
            foreach (var (fieldName, field) in fields)
            {
                var live = field.GetValue(state) as Tensor;
                if (!saved.Contains(fieldName))
                {
                    if (live is not null)
                        throw new InvalidOperationException($"{optimizer.GetType().Name} keeps '{fieldName}' state for '{parameters[i].Name}', which the checkpoint does not hold.");
                    continue;
                }
                var source = _tensors[parameters[i].Name + "." + fieldName];
                if (live is null) field.SetValue(state, source.to(source.dtype, optimizer.parameters().ElementAt(i).device, copy: true).DetachFromDisposeScope());
                else live.copy_(source);
            }
            if (state.GetType().GetField(StepField, BindingFlags.Public | BindingFlags.Instance) is { FieldType: var type } step && type == typeof(long))
                step.SetValue(state, parameters[i].Step);
        }
    }

    private static IEnumerable<FieldInfo> TensorFields(TorchSharp.Modules.OptimizerState state) =>
        state.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance).Where(f => f.FieldType == typeof(Tensor)).OrderBy(f => f.MetadataToken);

    private static long Step(TorchSharp.Modules.OptimizerState state) =>
        state.GetType().GetField(StepField, BindingFlags.Public | BindingFlags.Instance) is { } field && field.FieldType == typeof(long) ? (long)field.GetValue(state)! : 0;

    private static List<TorchSharp.Modules.OptimizerState> Unpack(optim.Optimizer optimizer, int parameterCount)
    {
        if (optimizer is not OptimizerHelper helper)
            throw new NotSupportedException($"Checkpoints read an optimizer's state through TorchSharp's state_dict(); {optimizer.GetType().Name} does not derive from OptimizerHelper.");
        var dictionary = helper.state_dict();
        if (dictionary.Options.Count != 1)
            throw new NotSupportedException($"Checkpoints hold one parameter group; this optimizer has {dictionary.Options.Count}.");
        var states = dictionary.State.ToList();
        if (states.Count != parameterCount)
            throw new InvalidOperationException($"The optimizer holds state for {states.Count} parameters; the network has {parameterCount}.");
        return states;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _tensors.Values) tensor.Dispose();
        _tensors.Clear();
    }
}
