using static TorchSharp.torch;

namespace CnnMl.Architectures;

/// <summary>Builds one residual block; the signature of torchvision's <c>block(...)</c> calls in <c>_make_layer</c>.</summary>
/// <param name="inplanes">Input channels.</param>
/// <param name="planes">Block width before expansion.</param>
/// <param name="stride">Stride of the block.</param>
/// <param name="downsample">Projection shortcut, or null for the identity.</param>
/// <param name="groups">Groups of the 3×3 convolution.</param>
/// <param name="baseWidth">Channels per group at <c>planes = 64</c>.</param>
public delegate nn.Module<Tensor, Tensor> ResidualBlockFactory(long inplanes, long planes, long stride, nn.Module<Tensor, Tensor>? downsample, long groups, long baseWidth);

/// <summary>
/// A residual block type together with its expansion (output channels = <c>planes · Expansion</c>),
/// what torchvision passes around as the class <c>block</c> with its <c>block.expansion</c>.
/// </summary>
public sealed class ResidualBlockKind
{
    /// <summary>ResNet-18/34's <see cref="BasicBlock"/> (expansion 1).</summary>
    public static readonly ResidualBlockKind Basic = new(nameof(BasicBlock), BasicBlock.Expansion,
        (inplanes, planes, stride, downsample, groups, baseWidth) => new BasicBlock(inplanes, planes, stride, downsample, groups, baseWidth));

    /// <summary>ResNet-50+/ResNeXt's <see cref="Architectures.Bottleneck"/> (expansion 4).</summary>
    public static readonly ResidualBlockKind Bottleneck = new(nameof(Architectures.Bottleneck), Architectures.Bottleneck.Expansion,
        (inplanes, planes, stride, downsample, groups, baseWidth) => new Architectures.Bottleneck(inplanes, planes, stride, downsample, groups, baseWidth));

    /// <summary>Describes a block type.</summary>
    public ResidualBlockKind(string name, int expansion, ResidualBlockFactory create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(create);
        if (expansion < 1) throw new ArgumentOutOfRangeException(nameof(expansion), expansion, "The expansion must be at least 1.");
        Name = name;
        Expansion = expansion;
        Create = create;
    }

    /// <summary>The block's class name.</summary>
    public string Name { get; }

    /// <summary>Output channels = <c>planes · Expansion</c>.</summary>
    public int Expansion { get; }

    /// <summary>Builds one block.</summary>
    public ResidualBlockFactory Create { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
