namespace CnnMl.Data;

/// <summary>
/// Where a training or validation loop gets its batches: examples held in memory, or read from an
/// <c>IDataView</c> while training runs.
/// </summary>
internal interface IExampleBatches : IDisposable
{
    /// <summary>Examples per pass.</summary>
    long Count { get; }

    /// <summary>Examples per batch (the last batch of a pass may hold fewer).</summary>
    int BatchSize { get; }

    /// <summary>Batches per pass.</summary>
    int BatchesPerPass => (int)((Count + BatchSize - 1) / BatchSize);

    /// <summary>
    /// Starts the next pass: draws its order (shuffled sources). Called once per epoch, also for the epochs a resumed
    /// run skips, so that the order continues where the interrupted run left it.
    /// </summary>
    void BeginPass();

    /// <summary>
    /// The batches of the current pass, in order. A batch is valid until the next one is requested; its tensors are
    /// views to be taken inside the step's dispose scope.
    /// </summary>
    IEnumerable<ExampleBatch> Batches(CancellationToken cancellation);
}
