using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// torchvision's MobileNetV2 ("Inverted Residuals and Linear Bottlenecks"): a 3×3 stride-2 stem,
/// seventeen <see cref="InvertedResidual"/> blocks configured by the paper's <c>t, c, n, s</c> table, a
/// 1×1 convolution to 1280 channels, global average pooling and <c>classifier = Sequential(Dropout(0.2), Linear)</c>.
/// Names and shapes are torchvision's (<c>features.0.0.weight</c>, <c>features.3.conv.1.0.weight</c>,
/// <c>classifier.1.weight</c>, …), so a torchvision <c>state_dict</c> loads unchanged.
/// </summary>
public sealed class MobileNetV2 : Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>One row of the configuration table.</summary>
    /// <param name="T">Expansion factor of each block.</param>
    /// <param name="C">Output channels (before the width multiplier).</param>
    /// <param name="N">Number of blocks.</param>
    /// <param name="S">Stride of the first block (the others have stride 1).</param>
    public readonly record struct InvertedResidualSetting(int T, int C, int N, int S);

    /// <summary>The paper's table (Sandler et al. 2018, Table 2).</summary>
    public static readonly IReadOnlyList<InvertedResidualSetting> DefaultSetting =
    [
        // t, c, n, s
        new(1, 16, 1, 1),
        new(6, 24, 2, 2),
        new(6, 32, 3, 2),
        new(6, 64, 4, 2),
        new(6, 96, 3, 1),
        new(6, 160, 3, 2),
        new(6, 320, 1, 1),
    ];

    private const int InputChannel = 32;
    private const int LastChannel = 1280;
    private const int StemStride = 2;
    private const int RoundNearest = 8;
    private const double DropoutRate = 0.2;

    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    /// <summary>Builds MobileNetV2.</summary>
    /// <param name="input">C×H×W input (torchvision: 3×224×224).</param>
    /// <param name="classes">Number of outputs.</param>
    /// <param name="widthMultiplier">Scales every width (rounded to multiples of 8).</param>
    /// <param name="setting">The <c>t, c, n, s</c> table; <see cref="DefaultSetting"/> when null.</param>
    public MobileNetV2(ImageShape input, int classes, double widthMultiplier = 1.0, IReadOnlyList<InvertedResidualSetting>? setting = null)
        : base(CnnArchitectures.MobileNetV2)
    {
        ArgumentNullException.ThrowIfNull(input);
        ShapeGuard.RequireSpatialRank(CnnArchitectures.MobileNetV2, input, 2);
        if (widthMultiplier <= 0)
            throw new ArgumentOutOfRangeException(nameof(widthMultiplier), widthMultiplier, "The width multiplier must be positive.");
        setting ??= DefaultSetting;
        if (setting.Count == 0)
            throw new ArgumentException("The inverted residual setting needs at least one t, c, n, s row.", nameof(setting));

        var inputChannel = MakeDivisible(InputChannel * widthMultiplier, RoundNearest);
        var lastChannel = MakeDivisible(LastChannel * Math.Max(1.0, widthMultiplier), RoundNearest);
        features = Sequential();
        features.append(new ConvNormActivation(input.Channels, inputChannel, stride: StemStride));
        foreach (var (t, c, n, s) in setting)
        {
            var outputChannel = MakeDivisible(c * widthMultiplier, RoundNearest);
            for (var i = 0; i < n; i++)
            {
                features.append(new InvertedResidual(inputChannel, outputChannel, i == 0 ? s : 1, t));
                inputChannel = outputChannel;
            }
        }
        features.append(new ConvNormActivation(inputChannel, lastChannel, kernelSize: 1));
        avgpool = AdaptiveAvgPool2d(1);
        classifier = Sequential(Dropout(DropoutRate), Linear(lastChannel, classes));
        RegisterComponents();
        MobileNetInitialization.Apply(this);
    }

    /// <summary>
    /// torchvision's <c>_make_divisible</c>: the nearest multiple of <paramref name="divisor"/> (at least
    /// <paramref name="divisor"/>), never more than 10% below <paramref name="value"/>.
    /// </summary>
    public static long MakeDivisible(double value, long divisor)
    {
        var rounded = Math.Max(divisor, (long)(value + divisor / 2.0) / divisor * divisor);
        if (rounded < 0.9 * value) rounded += divisor;
        return rounded;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = avgpool.call(features.call(x)).flatten(1);
        return classifier.call(y).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var y = graph.Flatten(graph.Module(avgpool, graph.Module(features, input)), 1);
        return graph.Module(classifier, y);
    }
}
