using CnnMl.Architectures;
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

    private readonly PenultimateFeatures? _penultimate;

    public ModuleScorer(nn.Module<Tensor, Tensor> module, Device device, ImageShape shape, int classes, PenultimateFeatures? penultimate = null)
    {
        _module = module;
        _device = device;
        Shape = shape;
        Classes = classes;
        _penultimate = penultimate;
    }

    /// <summary>Penultimate features per example, or 0 when the scorer does not output them.</summary>
    public int PenultimateLength => _penultimate?.Length ?? 0;

    public ImageShape Shape { get; }

    public int Classes { get; }

    public int FeatureSize => (int)Shape.ElementCount;

    /// <summary>
    /// Scores <paramref name="count"/> examples from <paramref name="features"/> into <paramref name="probabilities"/>
    /// (count × classes) and, when given, their penultimate features into <paramref name="penultimate"/>
    /// (count × <see cref="PenultimateLength"/>), from the same forward pass.
    /// </summary>
    public void Score(float[] features, int count, float[] probabilities, float[]? penultimate = null)
    {
        if (count == 0) return;
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var x = tensor(features.AsMemory(0, count * FeatureSize), Shape.WithBatch(count));
        if (_device.type != DeviceType.CPU) x = x.to(_device);
        var logits = penultimate is not null && _penultimate is not null
            ? _penultimate.Forward(() => _module.call(x), count, penultimate)
            : _module.call(x);
        if (logits.ndim != 2 || logits.shape[0] != count || logits.shape[1] != Classes)
            throw new InvalidOperationException($"The network returned shape [{string.Join(", ", logits.shape)}]; expected [{count}, {Classes}].");
        var probs = nn.functional.softmax(logits, 1).cpu();
        probs.data<float>().CopyTo(probabilities.AsSpan(0, count * Classes));
    }
}
