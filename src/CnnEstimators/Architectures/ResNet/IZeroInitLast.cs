namespace CnnMl.Architectures;

/// <summary>
/// A residual block that can start as its shortcut: <see cref="ZeroInitLast"/> sets the scale of the last
/// normalization of its residual branch to zero (Goyal et al., 2017), as timm's blocks do with their own
/// <c>zero_init_last()</c>. <see cref="ResNetInitialization"/> calls it on every such block, whatever its type.
/// </summary>
internal interface IZeroInitLast
{
    /// <summary>Zeroes the scale (weight) of the residual branch's last normalization, under <c>no_grad</c>.</summary>
    void ZeroInitLast();
}
