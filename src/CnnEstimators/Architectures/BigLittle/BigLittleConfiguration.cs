namespace CnnMl.Architectures;

/// <summary>
/// The hyper-parameters of a bL-ResNet: the official <c>bLResNet(block, layers, alpha, beta)</c> arguments,
/// its <c>num_channels</c> and its stem convolution. The named configurations below are the table of
/// variants the registry offers.
/// </summary>
/// <param name="Alpha">α: the little branch has 1/α of the big branch's channels.</param>
/// <param name="Beta">β: the little branch has about 1/β of the big branch's depth.</param>
/// <param name="Layers">Blocks per stage: three bL-modules, then a plain ResNet stage.</param>
/// <param name="Widths">The official <c>num_channels</c>: stem width and bottleneck width of each stage (stage output = width × 4).</param>
/// <param name="StemKernel">Kernel of the first convolution (odd; padded to keep "same" size).</param>
/// <param name="StemStride">Stride of the first convolution.</param>
public sealed record BigLittleConfiguration(
    int Alpha, int Beta, IReadOnlyList<int> Layers, IReadOnlyList<int> Widths, int StemKernel, int StemStride)
{
    /// <summary>Number of stages: three bL-modules and one ResNet stage.</summary>
    public const int StageCount = 4;

    /// <summary>
    /// bL-ResNet-50 (α = 2, β = 4) as in the paper and <c>blresnet_model(50, 2, 4)</c>: layers 3-4-6-3,
    /// widths 64-128-256-512, stem 7×7 stride 2.
    /// </summary>
    public static BigLittleConfiguration BLResNet50 { get; } = new(
        Alpha: 2, Beta: 4, Layers: [3, 4, 6, 3], Widths: [64, 128, 256, 512], StemKernel: 7, StemStride: 2);

    /// <summary>
    /// A small bL-ResNet for 28×28 digits: the same modules (α = 2, β = 4, big branches of two blocks with
    /// the last ReLU off), one block fewer in the plain stage, a 3×3 stride-1 stem so the bL-modules still
    /// see 14×14, 7×7 and 4×4 maps, and widths 8-32-64-128: the full-resolution stem and layer1 stay narrow
    /// (they dominate the cost), the later stages keep a quarter of bL-ResNet-50's widths.
    /// </summary>
    public static BigLittleConfiguration Mnist { get; } = new(
        Alpha: 2, Beta: 4, Layers: [3, 3, 3, 2], Widths: [8, 32, 64, 128], StemKernel: 3, StemStride: 1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first value that cannot build a network.</summary>
    public void Validate()
    {
        if (Alpha < 1 || Beta < 1)
            throw new ArgumentException($"bL-ResNet needs α ≥ 1 and β ≥ 1; got α = {Alpha}, β = {Beta}.");
        if (Layers is null || Layers.Count != StageCount || Widths is null || Widths.Count != StageCount)
            throw new ArgumentException($"bL-ResNet needs {StageCount} stage depths and {StageCount} widths; got [{Join(Layers)}] and [{Join(Widths)}].");
        for (var i = 0; i < StageCount - 1; i++)
        {
            if (Layers[i] < 2)
                throw new ArgumentException($"Stage {i + 1} is a bL-module and needs at least 2 blocks (its big branch has blocks − 1); got {Layers[i]}.");
        }
        if (Layers[^1] < 1)
            throw new ArgumentException($"The last stage needs at least 1 block; got {Layers[^1]}.");
        foreach (var width in Widths)
        {
            if (width < 1 || width % Alpha != 0)
                throw new ArgumentException($"Every width must be a positive multiple of α = {Alpha} (the little branch has width/α channels); got [{Join(Widths)}].");
        }
        if (StemKernel < 1 || StemKernel % 2 == 0 || StemStride < 1)
            throw new ArgumentException($"The stem needs an odd kernel and a positive stride; got kernel {StemKernel}, stride {StemStride}.");
    }

    private static string Join(IReadOnlyList<int>? values) => values is null ? "" : string.Join(", ", values);
}
