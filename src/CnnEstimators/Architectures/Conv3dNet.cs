using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// A small 3D CNN for volumes and clips <c>(N, C, D, H, W)</c>: <see cref="Conv3dBlock"/>s of widths
/// 8 → 16 → 32 → 64 with 2×2×2 max-pooling after the first three (8×28×28 → 4×14×14 → 2×7×7 → 1×3×3),
/// global average pooling and a linear classifier. The pools let the last block see the whole clip.
/// Default input 1×8×28×28 (an MNIST digit as 8 frames, see <c>CnnMl.Data.ShiftedFrames</c>).
/// </summary>
public sealed class Conv3dNet : Module<Tensor, Tensor>
{
    private const int Pool = 2;

    /// <summary>The stages: output channels and whether a 2×2×2 max-pool follows.</summary>
    private static readonly (int Width, bool PoolAfter)[] Stages =
    [
        // width, pool
        (8, true),
        (16, true),
        (32, true),
        (64, false),
    ];

    /// <summary>Smallest D, H and W: every pool needs at least 2 along each axis.</summary>
    public static readonly long MinimumSize = (long)Math.Pow(Pool, Stages.Count(s => s.PoolAfter));

    private readonly Sequential features;
    private readonly AdaptiveAvgPool3d avgpool;
    private readonly Linear fc;

    /// <summary>Builds the network for a C×D×H×W input (each of D, H, W ≥ 8).</summary>
    public Conv3dNet(ImageShape input, int classes) : base(CnnArchitectures.Conv3d)
    {
        ArgumentNullException.ThrowIfNull(input);
        ShapeGuard.RequireSpatialRank(CnnArchitectures.Conv3d, input, 3);
        ShapeGuard.RequireAtLeast(CnnArchitectures.Conv3d, input, MinimumSize, $"{Stages.Count(s => s.PoolAfter)} max-pools of 2 along D, H and W");

        features = Sequential();
        var channels = input.Channels;
        foreach (var (width, poolAfter) in Stages)
        {
            features.append(new Conv3dBlock(channels, width));
            if (poolAfter) features.append(MaxPool3d(Pool));
            channels = width;
        }
        avgpool = AdaptiveAvgPool3d(1);
        fc = Linear(channels, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = avgpool.call(features.call(x)).flatten(1);
        return fc.call(y).MoveToOuterDisposeScope();
    }
}
