using CnnMl.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// The bL-module of Big-Little Net (Chen et al., ICLR 2019; official <c>bLModule</c>): a deep, wide
/// <em>big</em> branch at half resolution and a shallow, narrow <em>little</em> branch at full resolution
/// see the same input; the big branch is upsampled (nearest) to the little one's size, the two are added
/// and passed through ReLU, and one fusion bottleneck applies the module's stride.
/// </summary>
/// <remarks>
/// big: <c>blocks − 1</c> bottlenecks in→out, the first with stride 2 (average-pool shortcut), the last
/// without ReLU · little: <c>max(1, blocks / β − 1)</c> bottlenecks in→out/α at stride 1, then
/// <c>little_e</c> (1×1 conv out/α→out + BN) · fusion: one bottleneck out→out with the module's stride.
/// Children are named as in the official code (<c>big</c>, <c>little</c>, <c>little_e</c>, <c>fusion</c>)
/// and invoked with <c>call</c>, so forward hooks and summaries see each branch.
/// </remarks>
public sealed class BigLittleModule : Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>Resolution ratio between the two branches: the big branch runs at 1/2.</summary>
    public const int BigBranchStride = 2;

    // Field names are the official attribute names: they become the state-dict keys.
    private readonly ReLU relu;
    private readonly Sequential big;
    private readonly Sequential little;
    private readonly Sequential little_e;
    private readonly Sequential fusion;

    /// <summary>Builds a bL-module.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels; a multiple of 4·<paramref name="alpha"/>.</param>
    /// <param name="blocks">Depth of the equivalent ResNet stage (≥ 2): the big branch gets <c>blocks − 1</c>.</param>
    /// <param name="alpha">Width ratio big/little (α).</param>
    /// <param name="beta">Depth ratio big/little (β).</param>
    /// <param name="stride">Stride of the fusion block (1 or 2).</param>
    public BigLittleModule(long inChannels, long outChannels, int blocks, int alpha, int beta, long stride)
        : base(nameof(BigLittleModule))
    {
        if (blocks < 2)
            throw new ArgumentOutOfRangeException(nameof(blocks), blocks, "A bL-module needs at least 2 blocks: its big branch has blocks − 1.");
        if (alpha < 1 || beta < 1)
            throw new ArgumentException($"α and β must be at least 1; got α = {alpha}, β = {beta}.");
        if (outChannels % (BigLittleBottleneck.Expansion * alpha) != 0)
            throw new ArgumentException(
                $"A bL-module's output width must be a multiple of {BigLittleBottleneck.Expansion}·α = {BigLittleBottleneck.Expansion * alpha}; got {outChannels}.",
                nameof(outChannels));

        var littleChannels = outChannels / alpha;
        relu = ReLU(inplace: true);
        big = BigLittleStage.Create(inChannels, outChannels, BigBlocks(blocks), BigBranchStride, lastRelu: false);
        little = BigLittleStage.Create(inChannels, littleChannels, LittleBlocks(blocks, beta));
        little_e = Sequential(
            Conv2d(littleChannels, outChannels, 1, bias: false),
            BatchNorm2d(outChannels));
        fusion = BigLittleStage.Create(outChannels, outChannels, 1, stride);
        RegisterComponents();
    }

    /// <summary>Bottlenecks in the big branch: <c>blocks − 1</c>.</summary>
    public static int BigBlocks(int blocks) => blocks - 1;

    /// <summary>Bottlenecks in the little branch: <c>max(1, blocks / β − 1)</c> (integer division, as in the official code).</summary>
    public static int LittleBlocks(int blocks, int beta) => Math.Max(1, blocks / beta - 1);

    /// <summary>
    /// The two tensors the module merges: the big branch's output (half resolution, <c>outChannels</c>) and the
    /// little branch's output after its 1×1 expansion (full resolution, <c>outChannels</c>).
    /// </summary>
    public (Tensor Big, Tensor Little) Branches(Tensor x)
    {
        using var scope = NewDisposeScope();
        var bigOut = big.call(x);
        var littleOut = little_e.call(little.call(x));
        return (bigOut.MoveToOuterDisposeScope(), littleOut.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (bigOut, littleOut) = Branches(x);
        var upsampled = functional.interpolate(bigOut, size: littleOut.shape[2..], mode: InterpolationMode.Nearest);
        var merged = relu.call(upsampled.add_(littleOut));
        return fusion.call(merged).MoveToOuterDisposeScope();
    }

    /// <summary>Exports both branches, the nearest upsampling of the big one as <c>Resize</c>, the sum, ReLU and the fusion block.</summary>
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var bigOut = graph.Module(big, input);
        var littleOut = graph.Module(little_e, graph.Module(little, input));
        var upsampled = graph.ResizeNearestLike(bigOut, littleOut);
        var merged = graph.Module(relu, graph.Add(upsampled, littleOut));
        return graph.Module(fusion, merged);
    }
}
