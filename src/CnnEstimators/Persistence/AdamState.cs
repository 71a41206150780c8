using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Persistence;

/// <summary>
/// Adam's state in checkpoint form: the hyper-parameters and step counts (<see cref="OptimizerDocument"/>) and,
/// per parameter, the tensors <c>&lt;name&gt;.exp_avg</c>, <c>&lt;name&gt;.exp_avg_sq</c> (and
/// <c>&lt;name&gt;.max_exp_avg_sq</c> with AMSGrad). Captured from a live optimizer to write, or allocated from a
/// validated document to read into, then restored into a fresh optimizer. Owns the tensors it allocated.
/// </summary>
internal sealed class AdamState : IDisposable
{
    private const string ExpAvg = ".exp_avg";
    private const string ExpAvgSq = ".exp_avg_sq";
    private const string MaxExpAvgSq = ".max_exp_avg_sq";

    private readonly Dictionary<string, Tensor> _tensors;

    private AdamState(OptimizerDocument settings, Dictionary<string, Tensor> tensors)
    {
        Settings = settings;
        _tensors = tensors;
    }

    /// <summary>Hyper-parameters and step counts.</summary>
    public OptimizerDocument Settings { get; }

    /// <summary>The state tensors by checkpoint name: targets to read into.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>
    /// The document and the tensors (live aliases, in parameter order) of <paramref name="optimizer"/>, which
    /// was built over the parameters named <paramref name="parameterNames"/>, in that order.
    /// </summary>
    public static (OptimizerDocument Settings, List<KeyValuePair<string, Tensor>> Tensors) Describe(optim.Optimizer optimizer, IReadOnlyList<string> parameterNames)
    {
        var (options, states) = Unpack(optimizer, parameterNames.Count);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        var steps = new List<OptimizerDocument.ParameterSteps>();
        for (var i = 0; i < states.Count; i++)
        {
            var name = parameterNames[i];
            steps.Add(new OptimizerDocument.ParameterSteps(name, states[i].step));
            tensors.Add(new(name + ExpAvg, states[i].exp_avg));
            tensors.Add(new(name + ExpAvgSq, states[i].exp_avg_sq));
            if (options.amsgrad == true) tensors.Add(new(name + MaxExpAvgSq, states[i].max_exp_avg_sq));
        }
        var settings = new OptimizerDocument
        {
            Optimizer = OptimizerDocument.Adam,
            LearningRate = options.LearningRate!.Value,
            Beta1 = options.beta1!.Value,
            Beta2 = options.beta2!.Value,
            Eps = options.eps!.Value,
            WeightDecay = options.weight_decay!.Value,
            Amsgrad = options.amsgrad!.Value,
            Maximize = options.maximize!.Value,
            Parameters = steps,
        };
        return (settings, tensors);
    }

    /// <summary>Zero tensors (CPU) shaped like each parameter, for every state tensor <paramref name="settings"/> implies.</summary>
    public static AdamState Allocate(OptimizerDocument settings, IReadOnlyList<(string Name, Tensor Parameter)> parameters)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, parameter) in parameters)
            {
                tensors.Add(name + ExpAvg, Zeros(parameter));
                tensors.Add(name + ExpAvgSq, Zeros(parameter));
                if (settings.Amsgrad) tensors.Add(name + MaxExpAvgSq, Zeros(parameter));
            }
        }
        catch
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            throw;
        }
        return new AdamState(settings, tensors);
    }

    // Detached: the caller may be inside a dispose scope of its own, and these tensors outlive it.
    private static Tensor Zeros(Tensor like) => zeros(like.shape, like.dtype).DetachFromDisposeScope();

    /// <summary>
    /// Puts the step counts, moment estimates and hyper-parameters into <paramref name="optimizer"/>, a fresh
    /// Adam over the same parameters.
    /// </summary>
    public void RestoreInto(optim.Optimizer optimizer)
    {
        var parameters = Settings.Parameters;
        var (options, states) = Unpack(optimizer, parameters.Count);
        if (options.amsgrad != Settings.Amsgrad || options.maximize != Settings.Maximize)
            throw new InvalidOperationException(
                $"The checkpoint's Adam has amsgrad={Settings.Amsgrad}, maximize={Settings.Maximize}; the new optimizer has amsgrad={options.amsgrad}, maximize={options.maximize}.");
        options.beta1 = Settings.Beta1;
        options.beta2 = Settings.Beta2;
        options.eps = Settings.Eps;
        options.weight_decay = Settings.WeightDecay;
        using var noGrad = no_grad();
        for (var i = 0; i < states.Count; i++)
        {
            var name = parameters[i].Name;
            states[i].step = parameters[i].Step;
            states[i].exp_avg.copy_(_tensors[name + ExpAvg]);
            states[i].exp_avg_sq.copy_(_tensors[name + ExpAvgSq]);
            if (Settings.Amsgrad) states[i].max_exp_avg_sq.copy_(_tensors[name + MaxExpAvgSq]);
        }
    }

    private static (Adam.Options Options, List<Adam.State> States) Unpack(optim.Optimizer optimizer, int parameterCount)
    {
        if (optimizer is not Adam adam)
            throw new NotSupportedException($"Checkpoints hold Adam's state; the optimizer is {optimizer.GetType().Name}.");
        var dictionary = adam.state_dict();
        if (dictionary.Options.Count != 1)
            throw new NotSupportedException($"Checkpoints hold one Adam parameter group; this optimizer has {dictionary.Options.Count}.");
        var states = dictionary.State.Cast<Adam.State>().ToList();
        if (states.Count != parameterCount)
            throw new InvalidOperationException($"The optimizer holds state for {states.Count} parameters; the network has {parameterCount}.");
        return ((Adam.Options)dictionary.Options[0], states);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _tensors.Values) tensor.Dispose();
        _tensors.Clear();
    }
}
