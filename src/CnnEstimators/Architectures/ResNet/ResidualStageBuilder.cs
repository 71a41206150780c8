using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// torchvision's <c>ResNet._make_layer</c>: builds one stage (an <c>nn.Sequential</c> of residual
/// blocks) and tracks the running channel count between stages. The first block of a stage takes
/// the stride and, when the shape changes, a projection shortcut <c>downsample = Sequential(conv1x1, BN)</c>.
/// </summary>
internal sealed class ResidualStageBuilder
{
    private readonly ResidualBlockKind _block;
    private readonly long _groups;
    private readonly long _baseWidth;

    /// <summary>Starts building after a stem producing <paramref name="inplanes"/> channels.</summary>
    /// <param name="block">Block type of every stage.</param>
    /// <param name="inplanes">Channels entering the first stage.</param>
    /// <param name="groups">Groups of each block's 3×3 convolution.</param>
    /// <param name="baseWidth">Channels per group at <c>planes = 64</c>.</param>
    public ResidualStageBuilder(ResidualBlockKind block, long inplanes, long groups = 1, long baseWidth = Bottleneck.DefaultBaseWidth)
    {
        ArgumentNullException.ThrowIfNull(block);
        _block = block;
        InPlanes = inplanes;
        _groups = groups;
        _baseWidth = baseWidth;
    }

    /// <summary>Channels entering the next stage (= output channels of the last stage built).</summary>
    public long InPlanes { get; private set; }

    /// <summary>Builds a stage of <paramref name="blocks"/> blocks of width <paramref name="planes"/>.</summary>
    /// <param name="planes">Block width; the stage outputs <c>planes · Expansion</c> channels.</param>
    /// <param name="blocks">Number of blocks (≥ 1).</param>
    /// <param name="stride">Stride of the first block.</param>
    public Sequential MakeLayer(long planes, int blocks, long stride = 1)
    {
        if (blocks < 1) throw new ArgumentOutOfRangeException(nameof(blocks), blocks, "A stage has at least one block.");
        var outPlanes = planes * _block.Expansion;
        Sequential? downsample = null;
        if (stride != 1 || InPlanes != outPlanes)
            downsample = Sequential(ConvLayers.Conv1x1(InPlanes, outPlanes, stride), BatchNorm2d(outPlanes));

        var stage = Sequential();
        stage.append(_block.Create(InPlanes, planes, stride, downsample, _groups, _baseWidth));
        InPlanes = outPlanes;
        for (var i = 1; i < blocks; i++)
            stage.append(_block.Create(InPlanes, planes, 1, null, _groups, _baseWidth));
        return stage;
    }
}
