using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>Builds the optimizer <see cref="CnnTrainerOptions"/> asks for, with PyTorch's defaults for what it leaves open.</summary>
internal static class OptimizerFactory
{
    /// <summary>PyTorch's default weight decay for AdamW (TorchSharp's is 0).</summary>
    public const double AdamWDefaultWeightDecay = 0.01;

    /// <summary>The weight decay used: <see cref="CnnTrainerOptions.WeightDecay"/> or the optimizer's PyTorch default.</summary>
    public static double WeightDecay(CnnTrainerOptions options) =>
        options.WeightDecay ?? (options.Optimizer == CnnOptimizer.AdamW ? AdamWDefaultWeightDecay : 0);

    /// <summary>A new optimizer over <paramref name="parameters"/> at the options' base learning rate.</summary>
    public static optim.Optimizer Create(IEnumerable<TorchSharp.Modules.Parameter> parameters, CnnTrainerOptions options)
    {
        var decay = WeightDecay(options);
        return options.Optimizer switch
        {
            CnnOptimizer.Adam => optim.Adam(parameters, options.LearningRate, weight_decay: decay),
            CnnOptimizer.AdamW => optim.AdamW(parameters, options.LearningRate, weight_decay: decay),
            CnnOptimizer.Sgd => optim.SGD(parameters, options.LearningRate, momentum: options.Momentum, weight_decay: decay, nesterov: options.Nesterov),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, $"Unknown optimizer {options.Optimizer}."),
        };
    }

    /// <summary>One line for the console and the training log, e.g. "Adam lr 0.001".</summary>
    public static string Describe(CnnTrainerOptions options)
    {
        var text = FormattableString.Invariant($"{options.Optimizer} lr {options.LearningRate:G4}");
        if (options.Optimizer == CnnOptimizer.Sgd && options.Momentum > 0)
            text += FormattableString.Invariant($", momentum {options.Momentum:G4}{(options.Nesterov ? " (Nesterov)" : "")}");
        var decay = WeightDecay(options);
        if (decay > 0) text += FormattableString.Invariant($", weight decay {decay:G4}");
        if (options.LearningRateSchedule is { } schedule) text += $", {schedule}";
        return text;
    }

    /// <summary>Sets every parameter group's learning rate (what <c>torch.optim.lr_scheduler</c> does on <c>step()</c>).</summary>
    public static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }
}
