namespace CnnMl.Scoring;

/// <summary>
/// Decides when a transformer's network may be freed. ML.NET's <c>PredictionEngine.Dispose</c> disposes the model the
/// engine was created from (<c>PredictionEngineOptions.OwnsTransformer</c> defaults to true), and nothing tells that call
/// apart from the owner's: both reach <c>Dispose</c> through <see cref="IDisposable"/> with nothing of the engine in hand.
/// What is known: each engine calls at most once (ML.NET's engine guards its own <c>Dispose</c>), only while it is
/// alive, and the owner may call any number of times. So the owner has certainly disposed once there are more calls
/// than engines that were alive at a call; and the network is freed only then, and only when no engine is alive any
/// more (an engine's row mapper keeps its hold token reachable). A second <c>Dispose</c> of the owner therefore never
/// frees the network under a live engine; the price is that, with engines made, the network is freed when the last of
/// them has been garbage-collected (the hold token's finalizer), not at the owner's call.
/// <para>
/// While the network waits on the garbage collector, this object is rooted (<see cref="AwaitingCollection"/>): the
/// engines are often collected together with everything else of the model, and the module's TorchSharp tensors have
/// finalizers of their own. Without the root, the garbage collector could finalize a parameter tensor on its finalizer
/// thread while the queued free disposes the same tensor on a thread-pool thread: both free one native pointer. That
/// crashed a test process with "double free or corruption" (TransformerLifetimeTests, about one run in four when they ran
/// after CnnTransformerTests and ScoringThreadsTests). Rooted, the network's objects stay reachable until the free has
/// run, after which their finalizers find nothing left to free.
/// </para>
/// </summary>
internal sealed class ModuleHolds
{
    /// <summary>Holds whose network waits for its last engine to be collected: rooted until the free has run.</summary>
    private static readonly HashSet<ModuleHolds> AwaitingCollection = [];

    private readonly object _gate = new();
    private readonly Action _free;
    private readonly long _nativeBytes;
    private readonly List<Engine> _engines = []; // not yet collected
    private long _calls;
    private long _enginesAliveAtACall; // each of them may have made one of the calls
    private bool _ownerReleased;
    private bool _freed;
    private bool _pressureAdded;

    /// <param name="free">Frees the network (at most once; from the finalizer thread's work item when the last engine goes).</param>
    /// <param name="nativeBytes">The network's native memory, reported to the GC while only collectable engines keep it.</param>
    public ModuleHolds(Action free, long nativeBytes)
    {
        _free = free;
        _nativeBytes = Math.Max(1, nativeBytes);
    }

    /// <summary>True once the owner has certainly disposed the transformer (the network may still serve live engines).</summary>
    public bool OwnerReleased
    {
        get { lock (_gate) return _ownerReleased; }
    }

    /// <summary>
    /// Takes a hold for a new row-to-row mapper (what a prediction engine is built on). The mapper keeps the returned
    /// token reachable, so the hold lasts until the engine is collected.
    /// </summary>
    /// <returns>The token, or null when the owner has disposed the transformer.</returns>
    public object? TakeEngineHold()
    {
        lock (_gate)
        {
            if (_ownerReleased || _freed) return null;
            var token = new EngineHold(this);
            _engines.Add(new Engine(new WeakReference<EngineHold>(token)));
            return token;
        }
    }

    /// <summary>Counts one <c>Dispose</c> call; true exactly once, when the network must be freed now by the caller.</summary>
    public bool Release()
    {
        lock (_gate)
        {
            if (_freed) return false;
            _calls++;
            _engines.RemoveAll(engine => !engine.IsAlive);
            foreach (var engine in _engines.Where(engine => !engine.AliveAtACall))
            {
                engine.AliveAtACall = true;
                _enginesAliveAtACall++;
            }
            if (_calls > _enginesAliveAtACall) _ownerReleased = true;
            return TakeFreeLocked();
        }
    }

    private void EngineCollected()
    {
        bool free;
        lock (_gate)
        {
            _engines.RemoveAll(engine => !engine.IsAlive);
            free = TakeFreeLocked();
        }
        // Never block the finalizer thread: freeing waits for any forward pass still running on a view.
        if (free) ThreadPool.QueueUserWorkItem(_ => FreeAndUnroot());
    }

    private void FreeAndUnroot()
    {
        try
        {
            _free();
        }
        finally
        {
            lock (AwaitingCollection) AwaitingCollection.Remove(this);
        }
    }

    private bool TakeFreeLocked()
    {
        if (!_ownerReleased || _freed) return false;
        if (_engines.Count > 0)
        {
            // Only garbage collection ends the engines' holds now: tell it how much native memory waits on it, and
            // keep the network reachable until the free has run (see the remarks).
            if (!_pressureAdded)
            {
                GC.AddMemoryPressure(_nativeBytes);
                lock (AwaitingCollection) AwaitingCollection.Add(this);
            }
            _pressureAdded = true;
            return false;
        }
        if (_pressureAdded) GC.RemoveMemoryPressure(_nativeBytes);
        _freed = true;
        return true;
    }

    private sealed class Engine(WeakReference<EngineHold> hold)
    {
        public bool IsAlive => hold.TryGetTarget(out _);

        public bool AliveAtACall { get; set; }
    }

    private sealed class EngineHold(ModuleHolds holds)
    {
        ~EngineHold() => holds.EngineCollected();
    }
}
