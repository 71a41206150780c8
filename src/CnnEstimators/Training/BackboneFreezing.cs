using CnnMl.Interop;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// The two phases of fine-tuning a pretrained network (<see cref="TransferLearningOptions.FreezeBackboneEpochs"/>): for
/// the first K epochs only the classifier layer learns — every other parameter has <c>requires_grad = false</c>
/// (Adam skips parameters without a gradient) and the backbone's BatchNorm layers run in eval mode so their running
/// statistics stay those of the pretrained weights, as Keras does for a frozen base model — then everything learns,
/// at <see cref="TransferLearningOptions.UnfrozenLearningRateFactor"/> times the learning rate.
/// <see cref="TransferLearningOptions.FreezeBatchNormStatistics"/> keeps every BatchNorm layer's statistics fixed for the
/// whole run. The training loop calls <see cref="BeforeBatch"/> before every step.
/// </summary>
internal sealed class BackboneFreezing
{
    private readonly Parameter[] _backbone;
    private readonly nn.Module[] _backboneNorms;
    private readonly nn.Module[] _allNorms;
    private readonly int _frozenEpochs;
    private readonly double _unfrozenFactor;
    private readonly bool _freezeStatistics;
    private bool _frozen;

    private BackboneFreezing(nn.Module module, string? classifier, CnnTrainerOptions options)
    {
        _frozenEpochs = options.TransferLearning.FreezeBackboneEpochs;
        _unfrozenFactor = options.TransferLearning.UnfrozenLearningRateFactor;
        _freezeStatistics = options.TransferLearning.FreezeBatchNormStatistics;
        bool InBackbone(string name) => classifier is null || !StateDictLoader.IsUnder(name, classifier);
        _backbone = module.named_parameters().Where(p => InBackbone(p.name)).Select(p => p.parameter).ToArray();
        var norms = module.named_modules().Where(m => m.module is BatchNorm).ToArray();
        _allNorms = norms.Select(m => m.module).ToArray();
        _backboneNorms = norms.Where(m => InBackbone(m.name)).Select(m => m.module).ToArray();
    }

    /// <summary>The phases for <paramref name="options"/>, or null when neither freezing option is set.</summary>
    /// <param name="module">The network being trained.</param>
    /// <param name="classifier">The architecture's classifier layer (required when <see cref="TransferLearningOptions.FreezeBackboneEpochs"/> &gt; 0).</param>
    /// <param name="options">The trainer's options.</param>
    public static BackboneFreezing? Create(nn.Module module, string? classifier, CnnTrainerOptions options)
    {
        if (options.TransferLearning.FreezeBackboneEpochs == 0 && !options.TransferLearning.FreezeBatchNormStatistics) return null;
        if (options.TransferLearning.FreezeBackboneEpochs > 0 && classifier is null)
            throw new InvalidOperationException($"TransferLearning.FreezeBackboneEpochs needs the architecture's classifier layer (CnnArchitecture.ClassifierName).");
        return new BackboneFreezing(module, classifier, options);
    }

    /// <summary>Parameters outside the classifier layer.</summary>
    public IReadOnlyList<Parameter> BackboneParameters => _backbone;

    /// <summary>One line for the training log.</summary>
    public string Description =>
        (_frozenEpochs > 0
            ? $"Backbone frozen for {_frozenEpochs} epoch(s) ({_backbone.Sum(p => p.numel()):N0} parameters, {_backboneNorms.Length} BatchNorm layers in eval mode), " +
              $"then all layers train at {_unfrozenFactor:0.###} × the learning rate"
            : "Backbone trains from the first epoch") +
        (_freezeStatistics ? $"; BatchNorm statistics frozen throughout ({_allNorms.Length} layers)." : ".");

    /// <summary>
    /// The factor on the learning rate (or on the schedule's rate) in epoch <paramref name="epoch"/> (0-based):
    /// <see cref="TransferLearningOptions.UnfrozenLearningRateFactor"/> once a frozen backbone has been unfrozen, 1 otherwise.
    /// A function of the epoch alone, so a resumed run trains at the rate the interrupted one would have used.
    /// </summary>
    public double LearningRateFactor(int epoch) => _frozenEpochs > 0 && epoch >= _frozenEpochs ? _unfrozenFactor : 1;

    /// <summary>Puts the network into the state epoch <paramref name="epoch"/> (0-based) trains in.</summary>
    public void BeforeBatch(int epoch)
    {
        var freeze = epoch < _frozenEpochs;
        if (freeze && !_frozen)
        {
            SetBackboneTrainable(false);
            _frozen = true;
        }
        else if (!freeze && _frozen)
        {
            SetBackboneTrainable(true);
            _frozen = false;
            if (!_freezeStatistics)
            {
                foreach (var norm in _backboneNorms) norm.train();
            }
        }
        // Re-applied before every batch: validation puts the whole network back into training mode.
        var fixedStatistics = _freezeStatistics ? _allNorms : freeze ? _backboneNorms : [];
        foreach (var norm in fixedStatistics) norm.eval();
    }

    /// <summary>Leaves every parameter trainable again after training (the transformer's module may be trained further).</summary>
    public void Release()
    {
        if (_frozen) SetBackboneTrainable(true);
        _frozen = false;
    }

    private void SetBackboneTrainable(bool trainable)
    {
        foreach (var parameter in _backbone) parameter.requires_grad = trainable;
    }
}
