namespace CnnMl.Scoring;

/// <summary>
/// Decides when a transformer's <c>Dispose</c> may free its network. ML.NET's <c>PredictionEngine.Dispose</c>
/// disposes the model the engine was created from (<c>PredictionEngineOptions.OwnsTransformer</c> defaults to
/// true), and that call cannot be told apart from the owner's. So each prediction engine takes a hold when it is
/// created, the owner has one, and every <c>Dispose</c> call releases one hold: the network is freed when the
/// last is released. Holds of engines that were never disposed end when the engine is garbage-collected.
/// </summary>
internal sealed class ModuleHolds
{
    private readonly object _gate = new();
    private readonly List<WeakReference<object>> _engines = [];
    private bool _released;

    /// <summary>
    /// Takes a hold for a new row-to-row mapper (what a prediction engine is built on). The mapper keeps the
    /// returned token alive, so the hold lasts until the engine is disposed or collected.
    /// </summary>
    /// <returns>The token, or null when the network has already been freed.</returns>
    public object? TakeEngineHold()
    {
        lock (_gate)
        {
            if (_released) return null;
            var token = new object();
            _engines.Add(new WeakReference<object>(token));
            return token;
        }
    }

    /// <summary>Releases one hold; true exactly once, when the last hold goes and the network must be freed.</summary>
    public bool Release()
    {
        lock (_gate)
        {
            if (_released) return false;
            _engines.RemoveAll(engine => !engine.TryGetTarget(out _));
            if (_engines.Count > 0)
            {
                _engines.RemoveAt(_engines.Count - 1);
                return false;
            }
            _released = true;
            return true;
        }
    }
}
