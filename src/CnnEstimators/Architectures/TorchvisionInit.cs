using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Architectures;

/// <summary>The weight initialisations torchvision's model constructors apply after building.</summary>
internal static class TorchvisionInit
{
    /// <summary>Standard deviation of MobileNetV2's linear weights.</summary>
    private const double LinearWeightStd = 0.01;

    /// <summary>
    /// ResNet: convolutions Kaiming-normal (fan-out, ReLU gain), batch and group norms weight 1 bias 0;
    /// linear layers keep PyTorch's default. With <paramref name="zeroInitResidual"/> the last BN of each
    /// residual branch starts at 0, so every block starts as the identity.
    /// </summary>
    public static void ResNet(nn.Module module, bool zeroInitResidual = false)
    {
        using var noGrad = no_grad();
        foreach (var (_, m) in module.named_modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    break;
                case BatchNorm2d bn:
                    nn.init.constant_(bn.weight, 1);
                    nn.init.constant_(bn.bias!, 0);
                    break;
                case GroupNorm gn:
                    nn.init.constant_(gn.weight, 1);
                    nn.init.constant_(gn.bias!, 0);
                    break;
            }
        }
        if (!zeroInitResidual) return;
        foreach (var (_, m) in module.named_modules())
        {
            switch (m)
            {
                case Bottleneck b: nn.init.constant_(b.LastNorm.weight, 0); break;
                case BasicBlock b: nn.init.constant_(b.LastNorm.weight, 0); break;
            }
        }
    }

    /// <summary>
    /// MobileNetV2: convolutions Kaiming-normal (fan-out) with zero bias, batch and group norms weight 1
    /// bias 0, linear layers normal(0, 0.01) with zero bias.
    /// </summary>
    public static void MobileNet(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var (_, m) in module.named_modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut);
                    if (conv.bias is not null) nn.init.zeros_(conv.bias);
                    break;
                case BatchNorm2d bn:
                    nn.init.ones_(bn.weight);
                    nn.init.zeros_(bn.bias!);
                    break;
                case GroupNorm gn:
                    nn.init.ones_(gn.weight);
                    nn.init.zeros_(gn.bias!);
                    break;
                case Linear linear:
                    nn.init.normal_(linear.weight, 0, LinearWeightStd);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
            }
        }
    }
}
