using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// The layout both forms of CondenseNet share (official <c>models/condensenet.py</c> and
/// <c>models/condensenet_converted.py</c> differ only in the 1×1 convolutions and the classifier):
/// <c>features</c> = init_conv, then per block <c>denseblock_i</c> (dense layers <c>denselayer_j</c>) followed by
/// <c>transition_i</c> (2×2 average pooling, no convolution) or, after the last block, norm_last → relu_last → pool_last.
/// </summary>
internal static class CondenseNetLayout
{
    private const int StemKernel = 3;
    private const int GrowthKernel = 3;
    private const int TransitionPool = 2;

    /// <summary>Builds the 1×1 convolution of a dense layer from its input channels and bottleneck width.</summary>
    public delegate Module<Tensor, Tensor> FirstConvFactory(int block, int layer, long inChannels, long width);

    /// <summary>Checks the configuration and that the input survives the stem stride and the transitions.</summary>
    public static void Validate(string architecture, CondenseNetConfiguration configuration, ImageShape input)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(input);
        configuration.Validate(architecture);
        ShapeGuard.RequireSpatialRank(architecture, input, 2);
        var transitions = configuration.Blocks - 1;
        var minimum = ((1L << transitions) - 1) * configuration.InitStride + 1;
        ShapeGuard.RequireAtLeast(architecture, input, minimum,
            $"the stem conv (stride {configuration.InitStride}) and {transitions} 2×2 average-pooling transition(s) must leave at least 1×1");
    }

    /// <summary>Spatial size before the final average pooling (the official pool_size: 8 for CIFAR, 7 for ImageNet).</summary>
    public static long[] FinalSpatial(CondenseNetConfiguration configuration, ImageShape input) =>
        input.Spatial.Select(size =>
        {
            var s = (size + 2 * (StemKernel / 2) - StemKernel) / configuration.InitStride + 1;
            for (var t = 0; t < configuration.Blocks - 1; t++) s /= TransitionPool;
            return s;
        }).ToArray();

    /// <summary>The <c>features</c> sequence.</summary>
    public static Sequential Features(CondenseNetConfiguration configuration, ImageShape input, FirstConvFactory firstConv)
    {
        var features = new List<(string, Module<Tensor, Tensor>)>
        {
            ("init_conv", Conv2d(input.Channels, configuration.StemChannels, StemKernel,
                stride: configuration.InitStride, padding: StemKernel / 2, bias: false)),
        };
        long channels = configuration.StemChannels;
        for (var block = 0; block < configuration.Blocks; block++)
        {
            var growth = configuration.Growth[block];
            var width = configuration.Bottleneck * growth;
            var layers = new List<(string, Module<Tensor, Tensor>)>();
            for (var layer = 0; layer < configuration.Stages[block]; layer++, channels += growth)
            {
                // conv_2: the official Conv, BN → ReLU → 3×3 group conv b·k → k
                var growthConv = Sequential(
                    ("norm", BatchNorm2d(width)),
                    ("relu", ReLU()),
                    ("conv", Conv2d(width, growth, GrowthKernel, padding: GrowthKernel / 2, groups: configuration.Group3x3, bias: false)));
                layers.Add(($"denselayer_{layer + 1}", new CondenseNetDenseLayer(firstConv(block, layer, channels, width), growthConv)));
            }
            features.Add(($"denseblock_{block + 1}", Sequential(layers)));
            if (block < configuration.Blocks - 1)
            {
                features.Add(($"transition_{block + 1}", Sequential(("pool", AvgPool2d(TransitionPool, stride: TransitionPool)))));
            }
            else
            {
                features.Add(("norm_last", BatchNorm2d(channels)));
                features.Add(("relu_last", ReLU()));
                features.Add(("pool_last", AvgPool2d(FinalSpatial(configuration, input))));
            }
        }
        return Sequential(features);
    }

    /// <summary>
    /// The official initialization: conv weights ~ N(0, 2 / (k·k·out)), batch norm γ = 1 and β = 0, linear bias 0
    /// (linear weights keep the default initialization).
    /// </summary>
    public static void Initialize(Module root)
    {
        using var noGrad = no_grad();
        foreach (var module in root.modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    var fanOut = conv.weight.shape[0] * conv.weight.shape[2] * conv.weight.shape[3];
                    init.normal_(conv.weight, 0, Math.Sqrt(2.0 / fanOut));
                    break;
                case BatchNorm2d norm:
                    norm.weight.fill_(1);
                    norm.bias!.zero_();
                    break;
                case Linear linear:
                    linear.bias?.zero_();
                    break;
            }
        }
    }
}
