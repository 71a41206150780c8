using CnnMl.Architectures;
using static TorchSharp.torch;

namespace CnnMl.Scoring;

/// <summary>
/// Reads the penultimate features of a network — the input of its classifier layer, flattened per example — during
/// the same forward pass that computes the logits, through a forward pre-hook on that layer. The hook copies the
/// values out at once (the networks free their intermediate tensors when their forward returns). Thread-safe: each
/// thread's request is its own.
/// </summary>
internal sealed class PenultimateFeatures : IDisposable
{
    private readonly ThreadLocal<Request?> _request = new();
    private readonly Action _removeHook;
    private readonly string _layer;

    /// <summary>Hooks <paramref name="classifier"/> of <paramref name="module"/> and measures the feature length with one example.</summary>
    public PenultimateFeatures(nn.Module<Tensor, Tensor> module, string classifier, ImageShape shape, Device device)
    {
        _layer = classifier;
        var layer = module.named_modules().FirstOrDefault(m => m.name == classifier).module as nn.Module<Tensor, Tensor>
            ?? throw new InvalidOperationException($"The network has no single-input layer named '{classifier}' to read penultimate features from.");
        var hook = layer.register_forward_pre_hook(Capture);
        _removeHook = hook.remove;
        try
        {
            var probe = new Request(null, 1);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            Run(probe, () => module.call(zeros(shape.WithBatch(1), device: device)));
            Length = checked((int)probe.Length);
        }
        catch
        {
            _removeHook();
            throw;
        }
    }

    /// <summary>Features per example.</summary>
    public int Length { get; }

    /// <summary>
    /// Runs <paramref name="forward"/> (a forward pass of <paramref name="count"/> examples through the hooked network)
    /// and copies the classifier's input into <paramref name="destination"/> (count × <see cref="Length"/>).
    /// </summary>
    public Tensor Forward(Func<Tensor> forward, int count, float[] destination) => Run(new Request(destination, count), forward);

    private Tensor Run(Request request, Func<Tensor> forward)
    {
        _request.Value = request;
        try
        {
            var result = forward();
            if (!request.Done)
                throw new InvalidOperationException($"The forward pass did not go through the classifier layer '{_layer}' with its hooks (a parent called forward() instead of call()).");
            return result;
        }
        finally
        {
            _request.Value = null;
        }
    }

    private Tensor Capture(nn.Module<Tensor, Tensor> layer, Tensor input)
    {
        if (_request.Value is not { } request) return null!;
        using var scope = NewDisposeScope();
        var flat = input.detach().reshape(request.Count, -1);
        request.Length = flat.shape[1];
        if (request.Destination is { } destination)
        {
            var values = flat.to(ScalarType.Float32).cpu().contiguous();
            values.data<float>().CopyTo(destination.AsSpan(0, checked((int)values.numel())));
        }
        request.Done = true;
        // null: the layer's input stays as it is.
        return null!;
    }

    /// <summary>Removes the hook.</summary>
    public void Dispose()
    {
        _removeHook();
        _request.Dispose();
    }

    private sealed class Request(float[]? destination, int count)
    {
        public float[]? Destination { get; } = destination;
        public int Count { get; } = count;
        public long Length { get; set; } = -1;
        public bool Done { get; set; }
    }
}
