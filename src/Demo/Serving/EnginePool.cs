using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Demo.Serving;

/// <summary>
/// ML.NET prediction engines for one pipeline, pooled: <c>PredictionEngine</c> is not thread-safe, so each
/// concurrent request takes an engine of its own and returns it (Microsoft.Extensions.ObjectPool keeps up to
/// <c>retained</c> of them; the ONNX Runtime session under them is one, shared). Disposing the pool disposes the
/// engines it holds.
/// </summary>
internal sealed class EnginePool<TInput> : IDisposable where TInput : class
{
    private readonly ObjectPool<PredictionEngine<TInput, ScoreRow>> _pool;

    public EnginePool(MLContext ml, ITransformer pipeline, SchemaDefinition inputDefinition, int retained)
    {
        var policy = new Policy(() => ml.Model.CreatePredictionEngine<TInput, ScoreRow>(pipeline, ignoreMissingColumns: true, inputSchemaDefinition: inputDefinition));
        _pool = new DefaultObjectPoolProvider { MaximumRetained = retained }.Create(policy);
        // The first engine is made now: a pipeline that cannot score this input fails the load, not the first request.
        _pool.Return(_pool.Get());
    }

    /// <summary>The class scores of one input, on an engine no other request is using.</summary>
    public float[] Score(TInput input)
    {
        var engine = _pool.Get();
        try
        {
            return engine.Predict(input).Score;
        }
        finally
        {
            _pool.Return(engine);
        }
    }

    public void Dispose() => (_pool as IDisposable)?.Dispose();

    private sealed class Policy(Func<PredictionEngine<TInput, ScoreRow>> create) : PooledObjectPolicy<PredictionEngine<TInput, ScoreRow>>
    {
        public override PredictionEngine<TInput, ScoreRow> Create() => create();

        public override bool Return(PredictionEngine<TInput, ScoreRow> obj) => true;
    }
}

/// <summary>The scored pipeline's <c>Score</c> column: one probability per class.</summary>
internal sealed class ScoreRow
{
    [ColumnName("Score")]
    public float[] Score { get; set; } = [];
}
