using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Scoring;

/// <summary>
/// Runs the trained module on a batch buffer and writes softmax probabilities. Thread-safe: the module is
/// in eval mode and each call has its own dispose scope and inference mode.
/// </summary>
internal sealed class ModuleScorer
{
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly Device _device;

    public ModuleScorer(nn.Module<Tensor, Tensor> module, Device device, ImageShape shape, int classes)
    {
        _module = module;
        _device = device;
        Shape = shape;
        Classes = classes;
    }

    public ImageShape Shape { get; }

    public int Classes { get; }

    public int FeatureSize => (int)Shape.ElementCount;

    /// <summary>Scores <paramref name="count"/> examples from <paramref name="features"/> into <paramref name="probabilities"/> (count × classes).</summary>
    public void Score(float[] features, int count, float[] probabilities)
    {
        if (count == 0) return;
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        // frombuffer shares the array's memory (no copy); for a GPU it is copied once into page-locked memory, from
        // which the transfer is asynchronous (softmax(...).cpu() below waits for it).
        var x = frombuffer(features, float32, (long)count * FeatureSize).view(Shape.WithBatch(count));
        if (_device.type != DeviceType.CPU) x = x.pin_memory().to(_device, non_blocking: true);
        var logits = _module.call(x);
        if (logits.ndim != 2 || logits.shape[0] != count || logits.shape[1] != Classes)
            throw new InvalidOperationException($"The network returned shape [{string.Join(", ", logits.shape)}]; expected [{count}, {Classes}].");
        var probs = nn.functional.softmax(logits, 1).cpu();
        probs.data<float>().CopyTo(probabilities.AsSpan(0, count * Classes));
    }
}
