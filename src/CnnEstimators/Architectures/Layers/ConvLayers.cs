using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// torchvision's two convolution helpers (<c>conv3x3</c>, <c>conv1x1</c>): bias-free, because every
/// use is followed by a batch normalization whose shift makes a bias redundant.
/// </summary>
internal static class ConvLayers
{
    /// <summary>A 3×3 convolution with "same" padding (padding = dilation), no bias.</summary>
    /// <param name="inPlanes">Input channels.</param>
    /// <param name="outPlanes">Output channels.</param>
    /// <param name="stride">Stride; 2 halves the spatial size.</param>
    /// <param name="groups">Channel groups (1 = ordinary convolution; <paramref name="inPlanes"/> = depthwise).</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    public static Conv2d Conv3x3(long inPlanes, long outPlanes, long stride = 1, long groups = 1, long dilation = 1) =>
        Conv2d(inPlanes, outPlanes, kernel_size: 3, stride: stride, padding: dilation, dilation: dilation, groups: groups, bias: false);

    /// <summary>A 1×1 (pointwise) convolution, no bias.</summary>
    /// <param name="inPlanes">Input channels.</param>
    /// <param name="outPlanes">Output channels.</param>
    /// <param name="stride">Stride; 2 halves the spatial size (used by projection shortcuts).</param>
    public static Conv2d Conv1x1(long inPlanes, long outPlanes, long stride = 1) =>
        Conv2d(inPlanes, outPlanes, kernel_size: 1, stride: stride, bias: false);
}
