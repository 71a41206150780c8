using CnnMl.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// The condensed form of a <see cref="LearnedGroupConv"/> (official <c>layers.CondenseConv</c>, filled by
/// <c>CondensingConv</c>): select the kept input channels (<c>index</c>, group by group), batch norm per kept
/// channel, ReLU, a grouped 1×1 convolution with G groups, then a channel shuffle that puts output channels
/// back in the learned layer's order (output <c>o</c> of group <c>o % G</c>).
/// </summary>
/// <remarks>
/// State-dict entries are the official names: <c>norm.*</c>, <c>conv.weight</c> (Cout × Cin/C × 1 × 1) and
/// the buffer <c>index</c> (G · Cin / C channel numbers), so a model converted by the official code loads.
/// </remarks>
public sealed class CondenseConv : Module<Tensor, Tensor>, IOnnxExportable
{
    // Field names are the official attribute names: they become the state-dict keys.
    private readonly BatchNorm2d norm;
    private readonly ReLU relu;
    private readonly Conv2d conv;
    private readonly Tensor index;
    // The official code shuffles with a function (layers.ShuffleLayer); TorchSharp's module has no state, so the state
    // dict keeps the official keys.
    private readonly ChannelShuffle shuffle;

    /// <summary>
    /// Creates an empty condensed convolution that reads <paramref name="inChannels"/> selected channels
    /// (index all 0 until weights are loaded or <see cref="FromLearned"/> fills it).
    /// </summary>
    /// <param name="inChannels">Number of selected input channels (G · Cin / C); divisible by <paramref name="groups"/>.</param>
    /// <param name="outChannels">Output channels; divisible by <paramref name="groups"/>.</param>
    /// <param name="groups">G.</param>
    public CondenseConv(long inChannels, long outChannels, int groups) : base(nameof(CondenseConv))
    {
        if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), groups, "A condensed convolution needs at least 1 group.");
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException(
                $"Condensed convolution {inChannels} → {outChannels} channels cannot be split into {groups} groups.", nameof(groups));
        InChannels = inChannels;
        OutChannels = outChannels;
        Groups = groups;
        norm = BatchNorm2d(inChannels);
        relu = ReLU();
        conv = Conv2d(inChannels, outChannels, 1, groups: groups, bias: false);
        index = zeros(new[] { inChannels }, ScalarType.Int64);
        shuffle = ChannelShuffle(groups);
        RegisterComponents();
    }

    /// <summary>Number of selected input channels (G · Cin / C).</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>G.</summary>
    public int Groups { get; }

    /// <summary>The selected input channels, group after group (the <c>index</c> buffer). Do not dispose.</summary>
    public Tensor Index => index;

    /// <summary>
    /// Converts a trained learned group convolution, as the official <c>CondensingConv</c>: group g reads its
    /// kept inputs (<see cref="LearnedGroupConv.KeptInputsPerGroup"/>, ascending) through its own copy of their
    /// batch-norm statistics, and its outputs are the learned layer's outputs o ≡ g (mod G). In eval mode the
    /// result equals the learned layer's output once its final stage is done. Copies every tensor.
    /// </summary>
    public static CondenseConv FromLearned(LearnedGroupConv learned)
    {
        ArgumentNullException.ThrowIfNull(learned);
        var kept = learned.KeptInputsPerGroup();
        var perGroup = kept[0].Length;
        var groups = learned.Groups;
        var condensed = new CondenseConv(perGroup * groups, learned.OutChannels, groups);
        var groupSize = learned.OutChannels / groups;

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = learned.Weight.device;
        var selected = tensor(kept.SelectMany(k => k).ToArray(), device: device);
        condensed.index.copy_(selected);

        var source = learned.Norm;
        var target = condensed.norm;
        target.weight.copy_(source.weight.index_select(0, selected));
        target.bias!.copy_(source.bias!.index_select(0, selected));
        target.running_mean!.copy_(source.running_mean!.index_select(0, selected));
        target.running_var!.copy_(source.running_var!.index_select(0, selected));
        target.num_batches_tracked!.copy_(source.num_batches_tracked!);

        // New output k + g·(Cout/G) is learned output g + k·G, reading the group's kept inputs.
        var weight = learned.Weight.view(groupSize, groups, learned.InChannels, 1, 1);
        for (var g = 0; g < groups; g++)
        {
            var groupWeight = weight.select(1, g).index_select(1, tensor(kept[g], device: device));
            condensed.conv.weight.narrow(0, g * groupSize, groupSize).copy_(groupWeight);
        }
        return condensed;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = x.index_select(1, index);
        x = conv.call(relu.call(norm.call(x)));
        return shuffle.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>Exports <c>index_select</c> as <c>Gather</c>, then BN → ReLU → grouped 1×1 conv → channel shuffle.</summary>
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var x = graph.Gather(input, index, axis: 1);
        x = graph.Module(conv, graph.Module(relu, graph.Module(norm, x)));
        return graph.ChannelShuffle(x, Groups);
    }
}
