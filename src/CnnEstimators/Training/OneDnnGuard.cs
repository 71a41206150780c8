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
    /// <summary>oneDNN's AVX-512 channel block: convolutions whose output channels fill whole blocks are unaffected.</summary>
    private const long ChannelBlock = 16;

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
            _ => FirstAffectedConvolution(module) is { } name
                ? (false, $"oneDNN off: convolution '{name}' has output channels per group that are not a multiple of {ChannelBlock}, whose oneDNN backward pass is wrong in libtorch 2.10")
                : (true, "oneDNN on"),
        };
        OneDnnConvolutions.TrySet(enabled);
        return new OneDnnGuard(previous, enabled, reason);
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

    public void Dispose()
    {
        if (_previous is { } previous) OneDnnConvolutions.TrySet(previous);
    }
}
