using CnnMl.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// CondenseNet in its condensed inference form (official <c>models/condensenet_converted.py</c>): the layout of
/// <see cref="CondenseNet"/> with every learned group convolution replaced by a <see cref="CondenseConv"/> (index
/// select, BN, grouped 1×1 conv, channel shuffle) and the classifier by a <see cref="CondenseLinear"/>.
/// Obtained from a trained network with <see cref="CondenseNet.Condense"/>, or built empty from a configuration to
/// load condensed weights (for instance the official converted checkpoints, whose names it shares).
/// </summary>
public sealed class CondensedCondenseNet : Module<Tensor, Tensor>, IOnnxExportable
{
    // Field names are the official attribute names: they become the state-dict keys.
    private readonly Sequential features;
    private readonly CondenseLinear classifier;

    /// <summary>Builds an empty condensed network (index buffers 0) with the official initialization.</summary>
    /// <param name="configuration">Depths, growth rates, groups.</param>
    /// <param name="input">C×H×W input.</param>
    /// <param name="classes">Number of outputs.</param>
    /// <param name="classifierKeepFraction">Fraction of the features the classifier reads (official: 0.5).</param>
    /// <param name="architecture">Name used in error messages.</param>
    public CondensedCondenseNet(CondenseNetConfiguration configuration, ImageShape input, int classes,
        double classifierKeepFraction = CondenseLinear.OfficialKeepFraction, string architecture = CnnArchitectures.CondenseNet)
        : base(nameof(CondensedCondenseNet))
    {
        CondenseNetLayout.Validate(architecture, configuration, input);
        Configuration = configuration;
        features = CondenseNetLayout.Features(configuration, input, (_, _, inChannels, width) =>
            new CondenseConv(inChannels * configuration.Group1x1 / configuration.CondenseFactor, width, configuration.Group1x1));
        classifier = new CondenseLinear(configuration.FeatureChannels, classes, classifierKeepFraction);
        RegisterComponents();
        CondenseNetLayout.Initialize(this);
    }

    /// <summary>Condenses a trained network (see <see cref="CondenseNet.Condense"/>).</summary>
    internal CondensedCondenseNet(CondenseNet trained, double classifierKeepFraction) : base(nameof(CondensedCondenseNet))
    {
        Configuration = trained.Configuration;
        var learned = trained.LearnedGroupConvs;
        var next = 0;
        features = CondenseNetLayout.Features(trained.Configuration, trained.Input,
            (_, _, _, _) => CondenseConv.FromLearned(learned[next++]));
        classifier = CondenseLinear.FromLinear(trained.Classifier, classifierKeepFraction);
        RegisterComponents();

        // Everything else (stem, 3×3 convs, their and the last batch norms) is copied under its own name.
        using var noGrad = no_grad();
        var source = trained.state_dict();
        foreach (var (name, target) in state_dict())
        {
            if (name.StartsWith("classifier.", StringComparison.Ordinal) || name.Contains(".conv_1.", StringComparison.Ordinal)) continue;
            target.copy_(source[name]);
        }
        var device = trained.Classifier.weight.device;
        if (device.type != DeviceType.CPU) this.to(device);
        eval();
    }

    /// <summary>The configuration the network was built from.</summary>
    public CondenseNetConfiguration Configuration { get; }

    /// <summary>The condensed classifier.</summary>
    public CondenseLinear Classifier => classifier;

    /// <summary>Every condensed 1×1 convolution, in forward order.</summary>
    public IReadOnlyList<CondenseConv> CondenseConvs => modules().OfType<CondenseConv>().ToArray();

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
