namespace CnnMl.Persistence;

/// <summary>The entries of a checkpoint archive, in the order they are written, with their size caps.</summary>
internal static class CheckpointEntries
{
    /// <summary>Format name, version and kind (<see cref="ManifestDocument"/>).</summary>
    public const string Manifest = "checkpoint.json";

    /// <summary>Architecture, input, classes, columns (<see cref="DefinitionDocument"/>).</summary>
    public const string Definition = "definition.json";

    /// <summary>The module's state dict, PyTorch names (safetensors).</summary>
    public const string Weights = "weights.safetensors";

    /// <summary>The optimizer's name, settings and step counts (<see cref="OptimizerDocument"/>); training checkpoints only.</summary>
    public const string OptimizerSettings = "optimizer.json";

    /// <summary>The optimizer's state tensors per parameter (safetensors); training checkpoints only.</summary>
    public const string OptimizerState = "optimizer.safetensors";

    /// <summary>Progress, seed, data order and generator state (<see cref="TrainingDocument"/>); training checkpoints only.</summary>
    public const string Training = "training.json";

    /// <summary>The entries of a model checkpoint (<c>CnnTransformer.SaveCheckpoint</c>).</summary>
    public static IReadOnlyList<string> ModelEntries { get; } = [Manifest, Definition, Weights];

    /// <summary>The entries of a training checkpoint (written after every epoch).</summary>
    public static IReadOnlyList<string> TrainingEntries { get; } = [Manifest, Definition, Weights, OptimizerSettings, OptimizerState, Training];

    /// <summary>The largest size an entry may declare.</summary>
    public static long MaxBytes(string entry) => entry switch
    {
        Definition => CheckpointLimits.MaxDefinitionJsonBytes,
        Weights or OptimizerState => CheckpointLimits.MaxTensorEntryBytes,
        _ => CheckpointLimits.MaxSmallJsonBytes,
    };
}
