using static TorchSharp.torch;

namespace CnnMl.Architectures;

/// <summary>
/// The channel shuffle of ShuffleNet and CondenseNet (official <c>layers.ShuffleLayer</c>): channels laid out
/// group after group (g·n + k) are interleaved (k·G + g).
/// </summary>
public static class ChannelShuffle
{
    /// <summary>Shuffles the channels (dimension 1) of an N × C × spatial… tensor among <paramref name="groups"/> groups.</summary>
    /// <exception cref="ArgumentException">C is not divisible by <paramref name="groups"/>.</exception>
    public static Tensor Apply(Tensor x, long groups)
    {
        ArgumentNullException.ThrowIfNull(x);
        var shape = x.shape;
        var channels = shape[1];
        if (groups < 1 || channels % groups != 0)
            throw new ArgumentException($"Channel shuffle: {channels} channels cannot be split into {groups} groups.", nameof(groups));
        using var scope = NewDisposeScope();
        long[] grouped = [shape[0], groups, channels / groups, .. shape[2..]];
        return x.view(grouped).transpose(1, 2).contiguous().view(shape).MoveToOuterDisposeScope();
    }
}
