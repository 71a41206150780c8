namespace CnnMl.Runtime;

/// <summary>
/// Holds libtorch's oneDNN switch (<see cref="OneDnnConvolutions"/>) at one state for as long as any scope that
/// asked for that state is open, and puts the state found before the first scope back when the last one closes.
/// </summary>
/// <remarks>
/// <para>
/// Why reference counting with waiting: the switch is one flag for the whole process
/// (<c>at::globalContext()</c>), read by every convolution on every thread. Two <c>Fit</c> calls that need the
/// same state share it and run at the same time; a call that needs the other state waits until every scope
/// holding the current state has closed, then flips it. Without this, a network trained with oneDNN off (for its
/// gradients' sake) could have it switched on under it by another thread, and results would depend on timing.
/// Serializing only conflicting requests keeps concurrent <c>Fit</c> calls as fast as the hardware allows and makes
/// each one compute exactly what it computes alone.
/// </para>
/// <para>
/// While a request waits, later requests for the held state wait too, so the waiting one is not starved.
/// Waiting honors a <see cref="CancellationToken"/>. A thread that already holds a scope and asks for the other
/// state would wait for itself; it gets an <see cref="InvalidOperationException"/> instead.
/// </para>
/// <para>
/// Scoring takes no part: oneDNN's forward passes are correct, and a transformer scoring while a <c>Fit</c> holds
/// oneDNN off only runs slower (and may differ from a oneDNN forward pass in the last bits of its floats).
/// </para>
/// </remarks>
internal sealed class OneDnnScope : IDisposable
{
    private static readonly object Gate = new();
    private static int _holders;
    private static bool _held;
    private static bool _before;
    private static readonly int[] WaitingFor = new int[2]; // [0]: requests for off, [1]: for on

    private static readonly Dictionary<int, int> HeldByThread = new(); // managed thread id → scopes it opened and holds

    private readonly int _owner;
    private bool _disposed;

    private OneDnnScope(bool? enabled, int owner)
    {
        Enabled = enabled;
        _owner = owner;
    }

    /// <summary>The state held by this scope; null when the switch is not reachable in this libtorch (nothing is held).</summary>
    public bool? Enabled { get; }

    /// <summary>Scopes open right now in this process (for tests and diagnostics).</summary>
    internal static int OpenScopes
    {
        get
        {
            lock (Gate) return _holders;
        }
    }

    /// <summary>
    /// Waits until the switch can be held at <paramref name="enabled"/>, sets it, and returns the scope that holds it.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was canceled while waiting.</exception>
    /// <exception cref="InvalidOperationException">This thread already holds the other state.</exception>
    public static OneDnnScope Enter(bool enabled, CancellationToken cancellation = default)
    {
        var thread = Environment.CurrentManagedThreadId;
        if (OneDnnConvolutions.Enabled is null) return new OneDnnScope(null, thread);
        lock (Gate)
        {
            if (_holders > 0 && _held != enabled && HeldByThread.ContainsKey(thread))
                throw new InvalidOperationException(
                    $"This thread already holds libtorch's oneDNN switch {(_held ? "on" : "off")} (a Fit is running on it) and now asks for it " +
                    $"{(enabled ? "on" : "off")}, which would wait for itself. Run the inner training on another thread, or give both the same OneDnn mode.");
            var queued = false;
            try
            {
                // Join the held state unless someone is waiting for the other one; otherwise wait for the last holder.
                while (!(_holders == 0 || (_held == enabled && WaitingFor[enabled ? 0 : 1] == 0)))
                {
                    if (!queued && _held != enabled)
                    {
                        queued = true;
                        WaitingFor[enabled ? 1 : 0]++;
                    }
                    cancellation.ThrowIfCancellationRequested();
                    Monitor.Wait(Gate, TimeSpan.FromMilliseconds(100));
                }
            }
            finally
            {
                if (queued)
                {
                    WaitingFor[enabled ? 1 : 0]--;
                    Monitor.PulseAll(Gate);
                }
            }
            if (_holders == 0)
            {
                _before = OneDnnConvolutions.Enabled ?? enabled;
                _held = enabled;
                if (_before != enabled) OneDnnConvolutions.TrySet(enabled);
            }
            _holders++;
            HeldByThread[thread] = HeldByThread.GetValueOrDefault(thread) + 1;
            return new OneDnnScope(enabled, thread);
        }
    }

    /// <summary>
    /// Releases the state; the last scope to close restores the state found before the first one opened. Any thread may
    /// dispose a scope; it counts against the thread that opened it.
    /// </summary>
    public void Dispose()
    {
        if (_disposed || Enabled is null) return;
        _disposed = true;
        lock (Gate)
        {
            if (--HeldByThread[_owner] == 0) HeldByThread.Remove(_owner);
            if (--_holders == 0 && _before != _held) OneDnnConvolutions.TrySet(_before);
            Monitor.PulseAll(Gate);
        }
    }
}
