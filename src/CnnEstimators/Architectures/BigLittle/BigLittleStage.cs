using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// The official code's <c>_make_layer</c>: a run of <see cref="BigLittleBottleneck"/>s whose first block
/// changes width and/or resolution. Its shortcut downsamples by 3×3 average pooling (stride 2, padding 1)
/// and changes width by 1×1 conv + BN, rather than torchvision's strided 1×1 convolution.
/// </summary>
internal static class BigLittleStage
{
    private const int PoolKernel = 3;
    private const int PoolStride = 2;
    private const int PoolPadding = 1;

    /// <summary>
    /// Builds <paramref name="blocks"/> bottlenecks from <paramref name="inplanes"/> to <paramref name="planes"/>
    /// channels, the first with <paramref name="stride"/>. <paramref name="lastRelu"/> applies to the last block
    /// only when there are several: with one block the official code leaves its ReLU on.
    /// </summary>
    public static Sequential Create(long inplanes, long planes, int blocks, long stride = 1, bool lastRelu = true)
    {
        if (blocks < 1)
            throw new ArgumentOutOfRangeException(nameof(blocks), blocks, "A Big-Little stage needs at least one bottleneck.");
        if (stride != 1 && stride != PoolStride)
            throw new ArgumentOutOfRangeException(nameof(stride), stride, $"A Big-Little stage has stride 1 or {PoolStride} (its shortcut pools with stride {PoolStride}).");
        var layers = new List<Module<Tensor, Tensor>>
        {
            new BigLittleBottleneck(inplanes, planes, stride, Shortcut(inplanes, planes, stride)),
        };
        for (var i = 1; i < blocks; i++)
            layers.Add(new BigLittleBottleneck(planes, planes, lastRelu: i == blocks - 1 ? lastRelu : true));
        return Sequential(layers);
    }

    /// <summary>The official shortcut: [avg-pool 3×3/2] then [1×1 conv + BN]; null when neither is needed.</summary>
    private static Sequential? Shortcut(long inplanes, long planes, long stride)
    {
        var parts = new List<Module<Tensor, Tensor>>();
        if (stride != 1)
            parts.Add(AvgPool2d(PoolKernel, stride: PoolStride, padding: PoolPadding));
        if (inplanes != planes)
        {
            parts.Add(Conv2d(inplanes, planes, 1, stride: 1, bias: false));
            parts.Add(BatchNorm2d(planes));
        }
        return parts.Count == 0 ? null : Sequential(parts);
    }
}
