using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Architectures;

/// <summary>
/// The initialization of the ResNet family, shared by torchvision's ResNets, the small bottleneck network and
/// Big-Little Net (whose official code does the same): convolutions Kaiming-normal (fan-out, ReLU gain), batch
/// and group norms weight 1 bias 0, linear layers PyTorch's default; optionally every residual block then
/// starts as its shortcut (<see cref="IZeroInitLast"/>).
/// </summary>
internal static class ResNetInitialization
{
    /// <summary>Initializes every submodule of <paramref name="module"/> in place.</summary>
    /// <param name="module">The network, after all its modules are built.</param>
    /// <param name="zeroInitLast">torchvision's <c>zero_init_residual</c>: zero the last norm of each residual branch.</param>
    public static void Apply(nn.Module module, bool zeroInitLast)
    {
        using var noGrad = no_grad();
        foreach (var m in module.modules())
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
        if (!zeroInitLast) return;
        foreach (var block in module.modules().OfType<IZeroInitLast>()) block.ZeroInitLast();
    }
}
