using CnnMl.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Scoring;

/// <summary>
/// Runs the trained module on a batch buffer and writes softmax probabilities; owns the module's native
/// memory. Thread-safe: the module is in eval mode, each call has its own dispose scope and inference
/// mode, and any number of calls run at once under a shared lock that <see cref="Dispose"/> takes
/// exclusively, so the module is never freed under a running forward pass. Each forward pass runs with the
/// scoring thread count (<c>CnnTrainerOptions.Scoring.NumberOfThreads</c>) set on the calling thread, and puts the thread's count back.
/// </summary>
internal sealed class ModuleScorer : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly Device _device;
    private readonly string _owner;
    // Never disposed itself: a thread may still be waiting on it when the module is freed.
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private volatile bool _disposed;

    private readonly int? _threads;

    /// <param name="module">The network, in eval mode.</param>
    /// <param name="device">Where the module lives.</param>
    /// <param name="shape">One example's shape.</param>
    /// <param name="classes">Number of logits per example.</param>
    /// <param name="owner">How error messages name the owning transformer, e.g. "CnnTransformer ('mnist-cnn', 10 classes)".</param>
    /// <param name="threads">Threads for each forward pass; null: 1 for one row, the calling thread's count for more.</param>
    /// <param name="penultimate">Reads the classifier layer's input during the forward pass, or null.</param>
    /// <param name="oneRowScoring">What computes one-row passes on the CPU (<see cref="ScoreOneRow"/>).</param>
    /// <param name="log">Hears which engine one-row passes use, at the first one (the trainer's log), or null.</param>
    public ModuleScorer(nn.Module<Tensor, Tensor> module, Device device, ImageShape shape, int classes, string owner, int? threads = null,
        PenultimateFeatures? penultimate = null, OneRowScoring oneRowScoring = OneRowScoring.OnnxRuntime, Action<string>? log = null)
    {
        _threads = threads;
        if (oneRowScoring == OneRowScoring.OnnxRuntime && device.type == DeviceType.CPU)
            _rows = new OnnxRowScorer(module, shape, classes, ThreadsFor(1)!.Value, log);
        _module = module;
        _device = device;
        _owner = owner;
        Shape = shape;
        Classes = classes;
        _penultimate = penultimate;
    }

    private readonly PenultimateFeatures? _penultimate;
    private readonly OnnxRowScorer? _rows;

    /// <summary>Penultimate features per example, or 0 when the scorer does not output them.</summary>
    public int PenultimateLength => _penultimate?.Length ?? 0;

    public ImageShape Shape { get; }

    public int Classes { get; }

    public int FeatureSize => (int)Shape.ElementCount;

    /// <summary>The thread count for a pass over <paramref name="count"/> rows: the option, else 1 for one row, else unchanged.</summary>
    internal int? ThreadsFor(int count) => _threads ?? (count == 1 ? 1 : null);

    /// <summary>True once the module has been freed.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>The module, or <see cref="ObjectDisposedException"/> once it has been freed.</summary>
    public nn.Module<Tensor, Tensor> Module
    {
        get
        {
            ThrowIfDisposed();
            return _module;
        }
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming the transformer once the module has been freed.</summary>
    public void ThrowIfDisposed()
    {
        if (_disposed) throw DisposedError();
    }

    /// <summary>
    /// Scores <paramref name="count"/> examples from <paramref name="features"/> into <paramref name="probabilities"/>
    /// (count × classes) and, when given, their penultimate features into <paramref name="penultimate"/>
    /// (count × <see cref="PenultimateLength"/>), from the same forward pass.
    /// </summary>
    public void Score(float[] features, int count, float[] probabilities, float[]? penultimate = null)
    {
        if (count == 0) return;
        _lock.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            using var threads = ThreadCountScope.Enter(ThreadsFor(count));
            using var scope = NewDisposeScope();
            using var mode = inference_mode();
            // frombuffer shares the array's memory (no copy); for a GPU it is copied once into page-locked memory, from
            // which the transfer is asynchronous (softmax(...).cpu() below waits for it).
            var x = frombuffer(features, float32, (long)count * FeatureSize).view(Shape.WithBatch(count));
            if (_device.type != DeviceType.CPU) x = x.pin_memory().to(_device, non_blocking: true);
            var logits = penultimate is not null && _penultimate is not null
                ? _penultimate.Forward(() => _module.call(x), count, penultimate)
                : _module.call(x);
            if (logits.ndim != 2 || logits.shape[0] != count || logits.shape[1] != Classes)
                throw new InvalidOperationException($"The network returned shape [{string.Join(", ", logits.shape)}]; expected [{count}, {Classes}].");
            var probs = nn.functional.softmax(logits, 1).cpu();
            probs.data<float>().CopyTo(probabilities.AsSpan(0, count * Classes));
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Class probabilities of one image, as a prediction engine asks for them: in ONNX Runtime when
    /// <see cref="OneRowScoring.OnnxRuntime"/> applies (CPU, no features wanted, the network exports), else through
    /// <see cref="Score"/>.
    /// </summary>
    public void ScoreOneRow(float[] features, float[] probabilities, float[]? penultimate)
    {
        if (_rows is not null && penultimate is null)
        {
            _lock.EnterReadLock();
            try
            {
                ThrowIfDisposed();
                if (_rows.TryScore(features, probabilities)) return;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
        Score(features, 1, probabilities, penultimate);
    }

    /// <summary>Frees the module after any running forward pass has finished; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _lock.EnterWriteLock();
        try
        {
            if (_disposed) return;
            _disposed = true;
            _rows?.Dispose();
            _penultimate?.Dispose();
            _module.Dispose();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>The exception every use of a freed network throws: it names the transformer and says why.</summary>
    public ObjectDisposedException DisposedError() => new(nameof(CnnTransformer),
        $"This {_owner} was disposed: it makes nothing new, and once its network's native memory is freed nothing made from it " +
        "scores any more (views from Transform, row mappers). Keep the transformer undisposed while they are in use.");
}
