using static TorchSharp.torch;

namespace CnnMl.Data;

/// <summary>
/// Batches of <see cref="InMemoryExamples"/>: shuffled every pass (training) — each row copied once, straight into
/// one reusable batch buffer — or in order (validation), as windows onto tensors that share the examples' arrays,
/// so nothing is copied at all.
/// </summary>
internal sealed class InMemoryBatches : IExampleBatches
{
    private readonly InMemoryExamples _examples;
    private readonly int[]? _order;
    private readonly Random? _shuffle;
    private readonly ExampleBatch? _buffer;
    private readonly Tensor? _allImages;
    private readonly Tensor? _allLabels;

    private InMemoryBatches(InMemoryExamples examples, int batchSize, int? shuffleSeed, ImageShape shape, bool pinned)
    {
        _examples = examples;
        BatchSize = Math.Max(1, Math.Min(batchSize, examples.Count));
        if (shuffleSeed is { } seed)
        {
            _order = Enumerable.Range(0, examples.Count).ToArray();
            _shuffle = new Random(seed);
            _buffer = ExampleBatch.Buffer(shape, BatchSize, pinned);
        }
        else if (examples.Count > 0)
        {
            // frombuffer pins the arrays and shares their memory: the tensors are the examples, not a copy.
            _allImages = frombuffer(examples.Features, float32, (long)examples.Count * examples.FeatureSize).view(shape.WithBatch(examples.Count)).DetachFromDisposeScope();
            _allLabels = frombuffer(examples.Labels, int64, examples.Count).DetachFromDisposeScope();
        }
    }

    /// <inheritdoc />
    public long Count => _examples.Count;

    /// <inheritdoc />
    public int BatchSize { get; }

    /// <summary>Training batches: a new order every pass from <see cref="Random"/>(<paramref name="seed"/>), pinned host memory when <paramref name="pinned"/>.</summary>
    public static InMemoryBatches Shuffled(InMemoryExamples examples, int batchSize, int seed, ImageShape shape, bool pinned) =>
        new(examples, batchSize, seed, shape, pinned);

    /// <summary>Batches in order, without copying (validation).</summary>
    public static InMemoryBatches InOrder(InMemoryExamples examples, int batchSize, ImageShape shape) => new(examples, batchSize, null, shape, false);

    /// <inheritdoc />
    public void BeginPass() => _shuffle?.Shuffle(_order!);

    /// <inheritdoc />
    public IEnumerable<ExampleBatch> Batches(CancellationToken cancellation)
    {
        if (_examples.Count == 0) yield break;
        if (_buffer is null)
        {
            var window = ExampleBatch.Window(_allImages!, _allLabels!);
            for (var start = 0; start < _examples.Count; start += BatchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                window.Offset = start;
                window.Count = Math.Min(BatchSize, _examples.Count - start);
                yield return window;
            }
            yield break;
        }

        var size = _examples.FeatureSize;
        for (var start = 0; start < _examples.Count; start += BatchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            var count = Math.Min(BatchSize, _examples.Count - start);
            var labels = _buffer.LabelRows;
            for (var i = 0; i < count; i++)
            {
                var row = _order![start + i];
                _examples.Features.AsSpan(row * size, size).CopyTo(_buffer.ImageRow(i));
                labels[i] = _examples.Labels[row];
            }
            _buffer.Count = count;
            yield return _buffer;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _buffer?.Dispose();
        _allImages?.Dispose();
        _allLabels?.Dispose();
    }
}
