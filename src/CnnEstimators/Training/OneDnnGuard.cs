using CnnMl.Runtime;

namespace CnnMl.Training;

/// <summary>
/// Holds libtorch's oneDNN switch for the duration of one training run at the state <see cref="OneDnnMode"/> chooses
/// for the network, through the process-wide <see cref="OneDnnScope"/> (concurrent runs that need the other state
/// wait), and lets it go when disposed; the last run to finish restores the state found before the first began.
/// </summary>
internal sealed class OneDnnGuard : IDisposable
{
    private readonly OneDnnScope? _scope;

    private OneDnnGuard(OneDnnScope? scope, bool enabled, string reason)
    {
        _scope = scope;
        Enabled = enabled;
        Reason = reason;
    }

    /// <summary>Whether oneDNN is on while this guard is held.</summary>
    public bool Enabled { get; }

    /// <summary>Why, in one line for the training log.</summary>
    public string Reason { get; }

    /// <summary>
    /// The state <paramref name="mode"/> holds for the whole run, and why. In <see cref="OneDnnMode.Auto"/> the switch is
    /// held on and <see cref="OneDnnLayerPolicy"/> turns it off around the layers whose configurations the probe finds wrong.
    /// </summary>
    public static (bool Enabled, string Reason) Choose(OneDnnMode mode) => mode switch
    {
        OneDnnMode.On => (true, "oneDNN on (OneDnn = On)"),
        OneDnnMode.Off => (false, "oneDNN off (OneDnn = Off)"),
        _ => (true, "oneDNN on, except in layers where the oneDNN probe finds it wrong (OneDnn = Auto)"),
    };

    /// <summary>Waits until the switch can be held at the state <paramref name="mode"/> chooses, and holds it.</summary>
    public static OneDnnGuard Apply(OneDnnMode mode, CancellationToken cancellation = default)
    {
        if (OneDnnConvolutions.Enabled is null) return new OneDnnGuard(null, false, "oneDNN switch not available in this libtorch");
        var (enabled, reason) = Choose(mode);
        return new OneDnnGuard(OneDnnScope.Enter(enabled, cancellation), enabled, reason);
    }

    /// <summary>Lets the switch go (see <see cref="OneDnnScope.Dispose"/>).</summary>
    public void Dispose() => _scope?.Dispose();
}
