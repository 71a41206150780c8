using CnnMl.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// Sets libtorch's oneDNN switch for the duration of one training run according to <see cref="OneDnnMode"/>,
/// and puts the previous setting back when disposed.
/// </summary>
internal sealed class OneDnnGuard : IDisposable
{
    private readonly bool? _previous;

    private OneDnnGuard(bool? previous, bool enabled, string reason)
    {
        _previous = previous;
        Enabled = enabled;
        Reason = reason;
    }

    public bool Enabled { get; }

    public string Reason { get; }

    public static OneDnnGuard Apply(OneDnnMode mode, nn.Module module)
    {
        var previous = OneDnnConvolutions.Enabled;
        if (previous is null) return new OneDnnGuard(null, false, "oneDNN switch not available in this libtorch");
        var (enabled, reason) = mode switch
        {
            OneDnnMode.On => (true, "oneDNN on (OneDnn = On)"),
            OneDnnMode.Off => (false, "oneDNN off (OneDnn = Off)"),
            _ => (true, "oneDNN on, except in layers where the oneDNN probe finds it wrong (OneDnn = Auto)"),
        };
        OneDnnConvolutions.TrySet(enabled);
        return new OneDnnGuard(previous, enabled, reason);
    }

    public void Dispose()
    {
        if (_previous is { } previous) OneDnnConvolutions.TrySet(previous);
    }
}
