using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// torchvision's <c>ConvNormActivation</c>: a <c>Sequential</c> of a bias-free convolution (child
/// <c>0</c>), batch normalization (<c>1</c>) and an activation (<c>2</c>), with "same" padding
/// <c>(kernel − 1) / 2</c>. Being a <c>Sequential</c>, its state-dict keys are <c>0.weight</c>,
/// <c>1.weight</c>, <c>1.running_mean</c>, … exactly as in torchvision.
/// </summary>
public sealed class ConvNormActivation : TorchSharp.Modules.Sequential
{
    /// <summary>Builds conv → BN → activation.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Square kernel size (odd).</param>
    /// <param name="stride">Stride of the convolution.</param>
    /// <param name="groups">Channel groups of the convolution (in = out = groups for depthwise).</param>
    /// <param name="activation">The activation module; <c>ReLU6</c> when null (MobileNetV2's choice).</param>
    public ConvNormActivation(long inChannels, long outChannels, long kernelSize = 3, long stride = 1, long groups = 1,
        Module<Tensor, Tensor>? activation = null)
        : base(
            Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: (kernelSize - 1) / 2, groups: groups, bias: false),
            BatchNorm2d(outChannels),
            activation ?? ReLU6())
    {
    }
}
