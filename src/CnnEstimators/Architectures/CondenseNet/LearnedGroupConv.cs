using CnnMl.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// CondenseNet's learned group convolution (Huang et al., CVPR 2018; official <c>layers.LearnedGroupConv</c>):
/// pre-activation batch norm → ReLU → optional dropout → 1×1 convolution whose weight is multiplied by a
/// 0/1 mask. The mask starts full and is condensed while training: over the first half of training
/// there are <c>C − 1</c> condensing stages (C = condense factor), and at each one every group of output
/// channels drops the <c>Cin / C</c> input channels of lowest L1 importance summed over the group's outputs,
/// so that at the end each group reads <c>Cin / C</c> inputs. <see cref="CondenseConv"/> is the efficient
/// form the trained layer converts to.
/// </summary>
/// <remarks>
/// <para>Output channel <c>o</c> belongs to group <c>o % G</c> (the official code's interleaved assignment;
/// the converted layer restores this order with a channel shuffle).</para>
/// <para>State-dict entries are the official names: <c>norm.*</c>, <c>conv.weight</c> and the buffers
/// <c>_count</c> (channels dropped per group), <c>_stage</c> (stages done) and <c>_mask</c>
/// (same shape as <c>conv.weight</c>), so the condensation state travels with the weights.</para>
/// <para>The trainer drives the schedule through <see cref="ITrainingProgressObserver"/> (the official code
/// reads a global progress in <c>forward</c>), and adds <see cref="GroupLassoLambda"/> × <see cref="LassoLoss"/>
/// to the loss through <see cref="ITrainingLossTerm"/> when the factor is positive (the official trainer's
/// <c>group_lasso_lambda</c>; 0 by default there and here).</para>
/// <para>Like the official forward, the masked convolution is computed with <c>conv2d</c> on
/// <c>conv.weight · _mask</c>, so forward hooks see this module but not its <c>conv</c> child; it reports the
/// multiply-accumulates of that dense masked conv itself (<see cref="ICountsOwnMacs"/>). The official
/// <c>measure_model</c> counts 1/C of it instead: the cost of the condensed layer, which
/// <see cref="CondenseConv"/> reports.</para>
/// </remarks>
public sealed class LearnedGroupConv : Module<Tensor, Tensor>, ITrainingProgressObserver, ITrainingLossTerm, ICountsOwnMacs, IOnnxExportable, IRunsOwnConvolution
{
    /// <summary>Below this the group norms in <see cref="LassoLoss"/> are clamped, as in the official code (keeps sqrt differentiable).</summary>
    private const double LassoNormFloor = 1e-6;

    // Field names are the official attribute names: they become the state-dict keys.
    private readonly BatchNorm2d norm;
    private readonly ReLU relu;
    private readonly Dropout? drop;
    private readonly Conv2d conv;
    private readonly Tensor _count;
    private readonly Tensor _stage;
    private readonly Tensor _mask;

    /// <summary>
    /// Creates a learned group convolution <paramref name="inChannels"/> → <paramref name="outChannels"/> (1×1).
    /// </summary>
    /// <param name="inChannels">Input channels; divisible by <paramref name="groups"/> and by the condense factor.</param>
    /// <param name="outChannels">Output channels; divisible by <paramref name="groups"/>.</param>
    /// <param name="groups">G: number of groups the output channels form.</param>
    /// <param name="condenseFactor">C: each group keeps 1/C of the inputs at the end; null means C = G (the official default).</param>
    /// <param name="dropoutRate">Dropout before the convolution; 0 (the official default) means none.</param>
    /// <exception cref="ArgumentException">A channel count is not divisible as required.</exception>
    public LearnedGroupConv(long inChannels, long outChannels, int groups, int? condenseFactor = null, double dropoutRate = 0)
        : base(nameof(LearnedGroupConv))
    {
        var factor = condenseFactor ?? groups;
        if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), groups, "A learned group convolution needs at least 1 group.");
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(condenseFactor), factor, "The condense factor must be at least 1.");
        if (dropoutRate is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropoutRate), dropoutRate, "Dropout rate must be in [0, 1).");
        if (inChannels % groups != 0)
            throw new ArgumentException($"Learned group convolution: {inChannels} input channels cannot be split into {groups} groups.", nameof(inChannels));
        if (inChannels % factor != 0)
            throw new ArgumentException($"Learned group convolution: {inChannels} input channels are not divisible by the condense factor {factor}.", nameof(inChannels));
        if (outChannels % groups != 0)
            throw new ArgumentException($"Learned group convolution: {outChannels} output channels cannot be split into {groups} groups.", nameof(outChannels));

        InChannels = inChannels;
        OutChannels = outChannels;
        Groups = groups;
        CondenseFactor = factor;
        DropoutRate = dropoutRate;

        norm = BatchNorm2d(inChannels);
        relu = ReLU();
        if (dropoutRate > 0) drop = Dropout(dropoutRate);
        conv = Conv2d(inChannels, outChannels, 1, bias: false);
        _count = zeros(1);
        _stage = zeros(1);
        _mask = ones_like(conv.weight);
        RegisterComponents();
    }

    /// <summary>Input channels (Cin).</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>G: output channel <c>o</c> belongs to group <c>o % G</c>.</summary>
    public int Groups { get; }

    /// <summary>C: number of condensing stages is C − 1; each group finally keeps Cin / C inputs.</summary>
    public int CondenseFactor { get; }

    /// <summary>Dropout rate before the convolution (0 = no dropout layer).</summary>
    public double DropoutRate { get; }

    /// <summary>
    /// Weight of the group-lasso term the trainer adds to the loss (<see cref="ComputeLossTerm"/>);
    /// 0 = off, the official default. The official ImageNet recipe uses 1e-5.
    /// </summary>
    public double GroupLassoLambda { get; set; }

    /// <summary>Input channels each group drops at one stage (Cin / C).</summary>
    public long DropPerStage => InChannels / CondenseFactor;

    /// <summary>The last stage: after it every group keeps Cin / C inputs and the mask no longer changes.</summary>
    public int FinalStage => CondenseFactor - 1;

    /// <summary>Condensing stages done so far (the <c>_stage</c> buffer).</summary>
    public int Stage => (int)_stage.ToDouble();

    /// <summary>Input channels dropped so far by every group (the <c>_count</c> buffer).</summary>
    public long DroppedPerGroup => (long)_count.ToDouble();

    /// <summary>The 1×1 convolution whose masked weight the forward applies (its own forward never runs).</summary>
    Convolution IRunsOwnConvolution.Convolution => conv;

    /// <summary>The 0/1 mask buffer, shaped like <see cref="Weight"/> (Cout × Cin × 1 × 1). Do not dispose.</summary>
    public Tensor Mask => _mask;

    /// <summary>The full (unmasked) convolution weight, Cout × Cin × 1 × 1. Do not dispose.</summary>
    public Parameter Weight => conv.weight;

    /// <summary>The pre-activation batch norm over the Cin inputs.</summary>
    internal BatchNorm2d Norm => norm;

    /// <summary>
    /// The stage the schedule prescribes at <paramref name="progress"/> (fraction of training done), as the
    /// official <c>_check_drop</c>: stage <c>s</c> begins when progress reaches <c>s / (2 (C − 1))</c>, so all
    /// <c>C − 1</c> stages happen in the first half of training.
    /// </summary>
    public static int StageAt(double progress, int condenseFactor)
    {
        for (var i = 0; i < condenseFactor - 1; i++)
        {
            if (progress * 2 < (i + 1) / (double)(condenseFactor - 1)) return i;
        }
        return Math.Max(condenseFactor - 1, 0);
    }

    /// <inheritdoc />
    public void OnTrainingProgress(TrainingProgress progress) => CondenseTo(progress.Fraction);

    /// <summary>
    /// Runs the condensing stages the schedule prescribes up to <paramref name="progress"/> that have not run yet.
    /// </summary>
    /// <remarks>
    /// The official <c>_check_drop</c> drops one stage's channels when the stage changes, even if progress
    /// jumped over several stages at once; here every stage passed drops its share, so that after stage
    /// <c>s</c> each group has always dropped <c>s · Cin / C</c> inputs. With one call per batch the two agree
    /// whenever a stage lasts at least one batch.
    /// </remarks>
    public void CondenseTo(double progress)
    {
        var target = StageAt(progress, CondenseFactor);
        using var noGrad = no_grad();
        while (Stage < target)
        {
            DropLeastImportant(DropPerStage);
            _count.add_(DropPerStage);
            _stage.add_(1);
        }
    }

    /// <summary>
    /// L1 importance of every input channel for every group: element [g, j] = Σ |W[o, j]| over the outputs
    /// o ≡ g (mod G), on the masked weight. Shape G × Cin.
    /// </summary>
    public Tensor GroupImportance()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var weight = (conv.weight * _mask).abs().view(OutChannels / Groups, Groups, InChannels);
        return weight.sum(dim: 0).MoveToOuterDisposeScope();
    }

    /// <summary>Which inputs each group still reads: a G × Cin tensor of 0/1 (row g = the mask of group g's outputs).</summary>
    public Tensor GroupMask()
    {
        using var scope = NewDisposeScope();
        return _mask.view(OutChannels / Groups, Groups, InChannels)[0].clone().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// For each group, the input channels its condensed form reads, ascending: Cin / C per group. After the
    /// final stage these are exactly the unmasked inputs (as the official <c>CondensingConv</c> reads them);
    /// before it, the group's highest-importance unmasked inputs.
    /// </summary>
    public long[][] KeptInputsPerGroup()
    {
        using var scope = NewDisposeScope();
        var keep = InChannels / CondenseFactor;
        var importance = GroupImportance();
        var mask = GroupMask();
        var result = new long[Groups][];
        for (var g = 0; g < Groups; g++)
        {
            // Masked inputs rank below every kept one; among kept ones the most important win (ties: lower index).
            var score = importance[g].masked_fill(mask[g].eq(0), double.NegativeInfinity);
            var order = score.sort(descending: true, stable: true).Indices.narrow(0, 0, keep);
            result[g] = order.sort().Values.data<long>().ToArray();
        }
        return result;
    }

    /// <summary>
    /// The official group-lasso regulariser (<c>lasso_loss</c>): Σ over groups g and inputs j of
    /// ‖W[o ≡ g, j]‖₂ on the masked weight (norms clamped below at √1e-6 as in the official code). Zero once the
    /// final stage is done, when the mask is fixed.
    /// </summary>
    /// <remarks>The official code stops at stage G − 1; this stops at C − 1, the final stage. They coincide when G = C (every published configuration).</remarks>
    public Tensor LassoLoss()
    {
        if (Stage >= FinalStage) return zeros(Array.Empty<long>(), conv.weight.dtype, conv.weight.device);
        using var scope = NewDisposeScope();
        var squared = (conv.weight * _mask).view(OutChannels / Groups, Groups, InChannels).pow(2);
        return squared.sum(dim: 0).clamp_min(LassoNormFloor).sqrt().sum().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor? ComputeLossTerm()
    {
        if (GroupLassoLambda <= 0 || Stage >= FinalStage) return null;
        using var scope = NewDisposeScope();
        return (LassoLoss() * GroupLassoLambda).MoveToOuterDisposeScope();
    }

    /// <summary>The dense masked 1×1 conv as computed: output elements × Cin (the mask zeroes weights, it skips no work).</summary>
    public long CountOwnMacs(Tensor input, Tensor output) => output.numel() * InChannels;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = relu.call(norm.call(x));
        if (drop is not null) x = drop.call(x);
        var weight = conv.weight * _mask;
        return nn.functional.conv2d(x, weight).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Exports the eval-mode forward: BN → ReLU → (dropout: identity) → a 1×1 <c>Conv</c> whose weight is the
    /// effective weight <c>conv.weight · _mask</c>, so the masked-out connections are exact zeros.
    /// </summary>
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var x = graph.Module(relu, graph.Module(norm, input));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var weight = conv.weight * _mask;
        return graph.Conv(x, weight, null, [1, 1], [0, 0, 0, 0], [1, 1], 1);
    }

    /// <summary>
    /// Every group drops the <paramref name="delta"/> unmasked inputs of lowest importance (official
    /// <c>_dropping</c>: it sorts the masked importance ascending and takes the entries after those already dropped).
    /// </summary>
    private void DropLeastImportant(long delta)
    {
        using var scope = NewDisposeScope();
        var importance = GroupImportance();
        var mask = GroupMask();
        for (var g = 0; g < Groups; g++)
        {
            // Already dropped inputs rank above every kept one, so the first delta are the least important kept ones.
            var score = importance[g].masked_fill(mask[g].eq(0), double.PositiveInfinity);
            var dropped = score.sort(stable: true).Indices.narrow(0, 0, delta);
            mask[g].index_fill_(0, dropped, 0);
        }
        var groupSize = OutChannels / Groups;
        _mask.view(groupSize, Groups, InChannels).copy_(mask.unsqueeze(0).expand(groupSize, Groups, InChannels));
    }
}
