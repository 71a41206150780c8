using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// CondenseNet in its training form (Huang, Liu, van der Maaten, Weinberger, CVPR 2018; official
/// <c>models/condensenet.py</c>): a DenseNet whose dense layers start with a <see cref="LearnedGroupConv"/> 1×1
/// to bottleneck·k, then a 3×3 group conv to k, concatenated with the layer's input; blocks separated by 2×2
/// average pooling; growth rate per block; BN → ReLU → global average pooling → linear classifier.
/// </summary>
/// <remarks>
/// <para>Parameter and buffer names are the official ones (<c>features.init_conv.weight</c>,
/// <c>features.denseblock_1.denselayer_1.conv_1._mask</c>, …, <c>classifier.weight</c>).</para>
/// <para>While training, the learned group convolutions condense (they observe the trainer's progress); after
/// training the trainer replaces this module by <see cref="ConvertForInference"/>, the condensed
/// <see cref="CondensedCondenseNet"/> (official <c>utils.convert_model</c>).</para>
/// </remarks>
public sealed class CondenseNet : Module<Tensor, Tensor>, IConvertibleAfterTraining, IOnnxExportable
{
    // Field names are the official attribute names: they become the state-dict keys.
    private readonly Sequential features;
    private readonly Linear classifier;
    private readonly LearnedGroupConv[] _learnedGroupConvs;

    /// <summary>Builds a CondenseNet with the official initialization.</summary>
    /// <param name="configuration">Depths, growth rates, groups (e.g. <see cref="CondenseNetConfiguration.CondenseNet86"/>).</param>
    /// <param name="input">C×H×W input; H and W must survive the stem stride and the transitions.</param>
    /// <param name="classes">Number of outputs.</param>
    /// <param name="architecture">Name used in error messages.</param>
    /// <exception cref="ArgumentException">The configuration's channel arithmetic fails or the input is too small.</exception>
    public CondenseNet(CondenseNetConfiguration configuration, ImageShape input, int classes, string architecture = CnnArchitectures.CondenseNet)
        : base(nameof(CondenseNet))
    {
        CondenseNetLayout.Validate(architecture, configuration, input);
        Configuration = configuration;
        Input = input;
        Classes = classes;
        Architecture = architecture;

        var learned = new List<LearnedGroupConv>();
        features = CondenseNetLayout.Features(configuration, input, (_, _, inChannels, width) =>
        {
            var conv = new LearnedGroupConv(inChannels, width, configuration.Group1x1, configuration.CondenseFactor, configuration.DropoutRate)
            {
                GroupLassoLambda = configuration.GroupLassoLambda,
            };
            learned.Add(conv);
            return conv;
        });
        classifier = Linear(configuration.FeatureChannels, classes);
        _learnedGroupConvs = learned.ToArray();
        RegisterComponents();
        CondenseNetLayout.Initialize(this);
    }

    /// <summary>The configuration the network was built from.</summary>
    public CondenseNetConfiguration Configuration { get; }

    /// <summary>The input shape the network was built for.</summary>
    public ImageShape Input { get; }

    /// <summary>Number of outputs.</summary>
    public int Classes { get; }

    /// <summary>Architecture name (registry key) used in messages.</summary>
    public string Architecture { get; }

    /// <summary>Every learned group convolution, in forward order.</summary>
    public IReadOnlyList<LearnedGroupConv> LearnedGroupConvs => _learnedGroupConvs;

    /// <summary>The linear classifier.</summary>
    public Linear Classifier => classifier;

    /// <summary>
    /// The condensed inference form, as the official <c>convert_model</c>: every learned group convolution becomes a
    /// <see cref="CondenseConv"/> and, when <paramref name="pruneClassifier"/> is true (the official conversion), the
    /// classifier keeps its strongest half of inputs (<see cref="CondenseLinear"/>). With
    /// <paramref name="pruneClassifier"/> false the classifier keeps every input and, once every learned convolution
    /// has done its final stage, the result computes the same function as this network in eval mode.
    /// The copy shares no tensors with this module and is in eval mode.
    /// </summary>
    public CondensedCondenseNet Condense(bool pruneClassifier = true) =>
        new(this, pruneClassifier ? CondenseLinear.OfficialKeepFraction : 1.0);

    /// <summary>The official conversion: <see cref="Condense"/> with the classifier pruned to half its inputs.</summary>
    public nn.Module<Tensor, Tensor> ConvertForInference() => Condense(pruneClassifier: true);

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var pooled = features.call(x);
        return classifier.call(pooled.flatten(1)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input) =>
        graph.Module(classifier, graph.Flatten(graph.Module(features, input), 1));
}
