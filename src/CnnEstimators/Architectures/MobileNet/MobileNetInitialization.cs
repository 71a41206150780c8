using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Architectures;

/// <summary>The weight initialization torchvision's MobileNetV2 constructor applies after building.</summary>
internal static class MobileNetInitialization
{
    /// <summary>Standard deviation of MobileNetV2's linear weights.</summary>
    private const double LinearWeightStd = 0.01;

    /// <summary>
    /// Convolutions Kaiming-normal (fan-out) with zero bias, batch and group norms weight 1 bias 0, linear
    /// layers normal(0, 0.01) with zero bias.
    /// </summary>
    public static void Apply(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var m in module.modules())
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
