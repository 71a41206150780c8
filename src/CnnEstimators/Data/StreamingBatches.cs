using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Data;

/// <summary>
/// Batches read from an <see cref="IDataView"/> cursor while training runs, for data that does not fit (or should
/// not be held) in memory: each pass opens a new cursor, mixes the rows through a seeded <see cref="ShuffleBuffer"/>
/// (training) or keeps their order (validation), and writes them straight into reusable batch buffers. With
/// prefetching, a background task prepares the next batches — the cursor's image loading, decoding and resizing
/// included — while the current step computes; a bounded queue keeps at most that many batches waiting.
/// </summary>
/// <remarks>
/// Memory in use: the shuffle buffer (rows × values × 4 bytes) plus prefetch + 2 batch buffers, whatever the size of
/// the data. Rows whose label is missing are skipped, as in memory. The pass's order depends only on the seed and the
/// pass number, so a resumed run sees the orders the interrupted one would have.
/// </remarks>
internal sealed class StreamingBatches : IExampleBatches
{
    private readonly IDataView _data;
    private readonly DataViewSchema.Column _feature;
    private readonly DataViewSchema.Column _label;
    private readonly int _featureSize;
    private readonly int _shuffleRows;
    private readonly int? _seed;
    private readonly int _prefetch;
    private readonly ExampleBatch[] _buffers;
    private readonly bool _skipNonFinite;
    private readonly string _role;
    private int _pass = -1;

    /// <param name="data">The rows.</param>
    /// <param name="featureColumn">The image column (known-size float vector).</param>
    /// <param name="labelColumn">The key label column.</param>
    /// <param name="shape">One image's shape.</param>
    /// <param name="count">Rows with a label (<see cref="LabeledRowCount"/>): exactly this many are read per pass.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="shuffleRows">Shuffle buffer rows; 0 keeps the cursor's order.</param>
    /// <param name="seed">Seed of the shuffles (ignored when <paramref name="shuffleRows"/> is 0).</param>
    /// <param name="prefetch">Batches prepared ahead on a background task; 0 prepares each batch on the calling thread when asked.</param>
    /// <param name="pinned">Page-lock the batch buffers (for asynchronous copies to a GPU).</param>
    /// <param name="skipNonFinite">Skip rows whose image holds NaN or ±Infinity (<paramref name="count"/> must exclude them); otherwise such a row is an error.</param>
    /// <param name="role">"training" or "validation", for messages.</param>
    public StreamingBatches(IDataView data, string featureColumn, string labelColumn, ImageShape shape, long count, int batchSize,
        int shuffleRows, int seed, int prefetch, bool pinned, bool skipNonFinite = false, string role = "training")
    {
        _skipNonFinite = skipNonFinite;
        _role = role;
        _data = data;
        _feature = data.Schema[featureColumn];
        _label = data.Schema[labelColumn];
        _featureSize = checked((int)shape.ElementCount);
        Count = count;
        BatchSize = (int)Math.Max(1, Math.Min(batchSize, count));
        _shuffleRows = (int)Math.Min(shuffleRows, Math.Max(1, count));
        _seed = shuffleRows > 0 ? seed : null;
        _prefetch = prefetch;
        // The step holds one buffer, the queue up to `prefetch`, and the producer fills one more.
        _buffers = Enumerable.Range(0, prefetch == 0 ? 1 : prefetch + 2).Select(_ => ExampleBatch.Buffer(shape, BatchSize, pinned)).ToArray();
    }

    /// <inheritdoc />
    public long Count { get; }

    /// <inheritdoc />
    public int BatchSize { get; }

    /// <summary>Batches prepared ahead (0: none, batches are prepared on the training thread).</summary>
    public int Prefetch => _prefetch;

    /// <summary>Rows of the shuffle buffer (0: the cursor's order).</summary>
    public int ShuffleRows => _seed is null ? 0 : _shuffleRows;

    /// <inheritdoc />
    public void BeginPass() => _pass++;

    /// <inheritdoc />
    public IEnumerable<ExampleBatch> Batches(CancellationToken cancellation)
    {
        if (_pass < 0) _pass = 0;
        if (_prefetch == 0)
        {
            var only = _buffers[0];
            foreach (var batch in Produce(() => only, cancellation)) yield return batch;
            yield break;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var free = new BlockingCollection<ExampleBatch>(new ConcurrentQueue<ExampleBatch>(_buffers));
        using var ready = new BlockingCollection<ExampleBatch>(new ConcurrentQueue<ExampleBatch>(), _prefetch);
        var producer = Task.Run(() =>
        {
            try
            {
                foreach (var batch in Produce(() => free.Take(stop.Token), stop.Token)) ready.Add(batch, stop.Token);
            }
            finally
            {
                ready.CompleteAdding();
            }
        }, CancellationToken.None);

        try
        {
            ExampleBatch? current = null;
            while (ready.TryTake(out var next, Timeout.Infinite, cancellation))
            {
                if (current is not null) free.Add(current);
                current = next;
                yield return current;
            }
            producer.GetAwaiter().GetResult(); // the producer's exception, if it failed
        }
        finally
        {
            // The consumer stopped early (an exception, cancellation, or the loop had enough): stop the producer and
            // wait for it, so no buffer is written after this returns.
            stop.Cancel();
            try
            {
                producer.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // Stopped on purpose (canceled), or failed while the consumer was already leaving with its own
                // exception; on the normal path GetResult above has already thrown the producer's failure.
            }
        }
    }

    /// <summary>Fills buffers from a new cursor, <see cref="Count"/> rows in all; yields each full (and the last partial) batch.</summary>
    private IEnumerable<ExampleBatch> Produce(Func<ExampleBatch> takeBuffer, CancellationToken cancellation)
    {
        using var cursor = _data.GetRowCursor([_feature, _label]);
        var getImage = cursor.GetGetter<VBuffer<float>>(_feature);
        var getLabel = KeyReader.Create(cursor, _label);
        var vector = default(VBuffer<float>);
        var row = new float[_featureSize];
        var shuffle = _seed is { } seed ? new ShuffleBuffer(_shuffleRows, _featureSize, new Random(PassSeed(seed, _pass))) : null;
        long emitted = 0, read = 0;
        var batch = takeBuffer();
        var inBatch = 0;

        while (read < Count && cursor.MoveNext())
        {
            cancellation.ThrowIfCancellationRequested();
            var key = getLabel();
            if (key == 0) continue;
            getImage(ref vector);
            var label = (long)(key - 1);
            // In order, the row goes straight into the batch (it is overwritten by the next one if skipped).
            var target = shuffle is null ? batch.ImageRow(inBatch) : row;
            FeatureVectors.CopyDense(vector, target, _feature.Name, cursor.Position);
            if (NonFiniteValues.IndexOfFirst(target) is var bad and >= 0)
            {
                if (!_skipNonFinite) throw NonFiniteValues.RowError(cursor.Position, _role, _feature.Name, target[bad], bad, _featureSize);
                continue;
            }
            read++;
            if (shuffle is null)
            {
                batch.LabelRows[inBatch] = label;
            }
            else
            {
                if (!shuffle.IsFull)
                {
                    shuffle.Add(row, label);
                    continue;
                }
                shuffle.Exchange(row, label, batch.ImageRow(inBatch), out batch.LabelRows[inBatch]);
            }
            emitted++;
            if (++inBatch == BatchSize)
            {
                batch.Count = inBatch;
                yield return batch;
                batch = takeBuffer();
                inBatch = 0;
            }
        }
        while (shuffle is { Held: > 0 })
        {
            cancellation.ThrowIfCancellationRequested();
            shuffle.Take(batch.ImageRow(inBatch), out batch.LabelRows[inBatch]);
            emitted++;
            if (++inBatch == BatchSize || shuffle.Held == 0)
            {
                batch.Count = inBatch;
                yield return batch;
                if (shuffle.Held == 0) yield break;
                batch = takeBuffer();
                inBatch = 0;
            }
        }
        if (inBatch > 0)
        {
            batch.Count = inBatch;
            yield return batch;
        }
        // Fewer rows than counted: the consumer sees the missing batches and says so.
    }

    /// <summary>A seed for pass <paramref name="pass"/> that is the same in every process (unlike <see cref="HashCode"/>).</summary>
    private static int PassSeed(int seed, int pass) => unchecked((int)(((uint)seed * 2_654_435_761u) ^ ((uint)pass * 40_503u + 1)));

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var buffer in _buffers) buffer.Dispose();
    }
}
