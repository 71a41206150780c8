using CnnMl.Architectures;
using CnnMl.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Scoring;

/// <summary>
/// Runs the trained module on a batch buffer and writes softmax probabilities. Thread-safe: the module is
/// in eval mode and each call has its own dispose scope and inference mode. Each forward pass runs with the scoring
/// thread count (<see cref="Training.CnnTrainerOptions.ScoringThreads"/>) set on the calling thread, put back after.
/// </summary>
internal sealed class ModuleScorer
{
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly Device _device;

    private readonly int? _threads;

    public ModuleScorer(nn.Module<Tensor, Tensor> module, Device device, ImageShape shape, int classes, int? threads = null)
    {
        _threads = threads;
        _module = module;
        _device = device;
        Shape = shape;
        Classes = classes;
    }

    public ImageShape Shape { get; }

    public int Classes { get; }

    public int FeatureSize => (int)Shape.ElementCount;

    /// <summary>The thread count for a pass over <paramref name="count"/> rows: the option, else 1 for one row, else unchanged.</summary>
    internal int? ThreadsFor(int count) => _threads ?? (count == 1 ? 1 : null);

    /// <summary>Scores <paramref name="count"/> examples from <paramref name="features"/> into <paramref name="probabilities"/> (count × classes).</summary>
    public void Score(float[] features, int count, float[] probabilities)
    {
        if (count == 0) return;
        using var threads = ThreadCountScope.Enter(ThreadsFor(count));
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var x = tensor(features.AsMemory(0, count * FeatureSize), Shape.WithBatch(count));
        if (_device.type != DeviceType.CPU) x = x.to(_device);
        var logits = _module.call(x);
        if (logits.ndim != 2 || logits.shape[0] != count || logits.shape[1] != Classes)
            throw new InvalidOperationException($"The network returned shape [{string.Join(", ", logits.shape)}]; expected [{count}, {Classes}].");
        var probs = nn.functional.softmax(logits, 1).cpu();
        probs.data<float>().CopyTo(probabilities.AsSpan(0, count * Classes));
    }
}
