using static TorchSharp.torch;

namespace CnnMl.Persistence;

/// <summary>
/// What a validated checkpoint holds: the definition, the network with its weights loaded (CPU), and for a
/// training checkpoint the optimizer state, the training progress and the generator state. Owns the network
/// until <see cref="TakeModule"/> hands it over, and the optimizer tensors; dispose it.
/// </summary>
internal sealed class CheckpointContents : IDisposable
{
    private nn.Module<Tensor, Tensor>? _module;

    public CheckpointContents(string path, DefinitionDocument definition,
        nn.Module<Tensor, Tensor> module, CheckpointOptimizerState? optimizer, TrainingDocument? training, byte[]? generatorState)
    {
        Path = path;
        Definition = definition;
        _module = module;
        Optimizer = optimizer;
        Training = training;
        GeneratorState = generatorState;
    }

    /// <summary>The checkpoint's full path.</summary>
    public string Path { get; }

    /// <summary>Architecture, input, classes, columns, key values and scoring batch size, validated.</summary>
    public DefinitionDocument Definition { get; }

    /// <summary>The optimizer's kind, settings and state (training checkpoints).</summary>
    public CheckpointOptimizerState? Optimizer { get; }

    /// <summary>Progress, seed and data identity (training checkpoints).</summary>
    public TrainingDocument? Training { get; }

    /// <summary>libtorch's CPU generator state at the end of the last epoch (training checkpoints).</summary>
    public byte[]? GeneratorState { get; }

    /// <summary>The network; the caller owns it from now on.</summary>
    public nn.Module<Tensor, Tensor> TakeModule()
    {
        var module = _module ?? throw new InvalidOperationException("The network has already been taken from this checkpoint.");
        _module = null;
        return module;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _module?.Dispose();
        _module = null;
        Optimizer?.Dispose();
    }
}
