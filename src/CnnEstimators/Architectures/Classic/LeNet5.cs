using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// LeNet-5 as in d2l (the source document's version): sigmoid activations and average pooling,
/// padding 2 on the first convolution. Built as one <c>nn.Sequential</c>, so parameter names are
/// PyTorch's indices (<c>0.weight</c>, <c>3.weight</c>, <c>7.weight</c>, <c>9.weight</c>, <c>11.weight</c>).
/// For 1×28×28 and 10 classes: 61,706 parameters.
/// </summary>
public static class LeNet5
{
    private const int Kernel = 5;
    private static readonly int[] ConvWidths = { 6, 16 };
    private static readonly int[] HiddenWidths = { 120, 84 };

    /// <summary>Builds LeNet-5 for a C×H×W input (H, W ≥ 12) and <paramref name="classes"/> outputs.</summary>
    public static Sequential Create(ImageShape input, int classes)
    {
        ShapeGuard.RequireSpatialRank(CnnArchitectures.LeNet5, input, 2);
        // conv(pad 2) keeps H, pool halves, conv 5×5 removes 4, pool halves: the second pool needs ≥ 2.
        ShapeGuard.RequireAtLeast(CnnArchitectures.LeNet5, input, 12, "after conv 5×5 (pad 2), pool 2, conv 5×5 the second 2×2 pool needs at least 2×2");
        var h = (input.Spatial[0] / 2 - (Kernel - 1)) / 2;
        var w = (input.Spatial[1] / 2 - (Kernel - 1)) / 2;

        return Sequential(
            Conv2d(input.Channels, ConvWidths[0], Kernel, padding: 2), Sigmoid(),
            AvgPool2d(2, stride: 2),
            Conv2d(ConvWidths[0], ConvWidths[1], Kernel), Sigmoid(),
            AvgPool2d(2, stride: 2),
            Flatten(),
            Linear(ConvWidths[1] * h * w, HiddenWidths[0]), Sigmoid(),
            Linear(HiddenWidths[0], HiddenWidths[1]), Sigmoid(),
            Linear(HiddenWidths[1], classes));
    }
}
