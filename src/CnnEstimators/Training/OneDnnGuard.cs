using CnnMl.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// Holds libtorch's oneDNN switch for the duration of one training run at the state <see cref="OneDnnMode"/> chooses
/// for the network, through the process-wide <see cref="OneDnnScope"/> (concurrent runs that need the other state
/// wait), and lets it go when disposed; the last run to finish restores the state found before the first began.
/// </summary>
internal sealed class OneDnnGuard : IDisposable
{
    /// <summary>oneDNN's AVX-512 channel block: convolutions whose output channels fill whole blocks are unaffected.</summary>
    private const long ChannelBlock = 16;

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

    /// <summary>The state <paramref name="mode"/> chooses for <paramref name="module"/>, and why.</summary>
    public static (bool Enabled, string Reason) Choose(OneDnnMode mode, nn.Module module) => mode switch
    {
        OneDnnMode.On => (true, "oneDNN on (OneDnn = On)"),
        OneDnnMode.Off => (false, "oneDNN off (OneDnn = Off)"),
        _ => FirstAffectedConvolution(module) is { } name
            ? (false, $"oneDNN off: convolution '{name}' has output channels per group that are not a multiple of {ChannelBlock}, whose oneDNN backward pass is wrong in libtorch 2.10")
            : (true, "oneDNN on"),
    };

    /// <summary>Waits until the switch can be held at the state <paramref name="mode"/> chooses, and holds it.</summary>
    public static OneDnnGuard Apply(OneDnnMode mode, nn.Module module, CancellationToken cancellation = default)
    {
        if (OneDnnConvolutions.Enabled is null) return new OneDnnGuard(null, false, "oneDNN switch not available in this libtorch");
        var (enabled, reason) = Choose(mode, module);
        return new OneDnnGuard(OneDnnScope.Enter(enabled, cancellation), enabled, reason);
    }

    /// <summary>The first convolution, after the network's first one (its input needs no gradient), with an affected shape.</summary>
    internal static string? FirstAffectedConvolution(nn.Module module)
    {
        var first = true;
        foreach (var (name, child) in module.named_modules())
        {
            if (child is not (Conv1d or Conv2d or Conv3d) || ((Convolution)child).weight is not { } weight) continue;
            if (first)
            {
                first = false;
                continue;
            }
            if (weight.shape[0] / ((Convolution)child).groups % ChannelBlock != 0) return name;
        }
        return null;
    }

    /// <summary>Lets the switch go (see <see cref="OneDnnScope.Dispose"/>).</summary>
    public void Dispose() => _scope?.Dispose();
}
