namespace CnnMl.Architectures;

/// <summary>
/// The hyper-parameters of a CondenseNet (the official <c>main.py</c> arguments that shape the model), with the
/// paper's configurations as named tables.
/// </summary>
/// <param name="Stages">Dense layers per block (<c>--stages</c>).</param>
/// <param name="Growth">Growth rate k per block (<c>--growth</c>); the stem conv has 2·k₀ outputs.</param>
/// <param name="InitStride">Stride of the 3×3 stem conv: 1 for CIFAR, 2 for ImageNet.</param>
/// <param name="Bottleneck">The learned 1×1 conv widens to bottleneck·k (<c>--bottleneck</c>).</param>
/// <param name="Group1x1">G of the learned group convolutions (<c>--group-1x1</c>).</param>
/// <param name="Group3x3">Groups of the 3×3 convolutions (<c>--group-3x3</c>).</param>
/// <param name="CondenseFactor">C of the learned group convolutions (<c>--condense-factor</c>).</param>
/// <param name="DropoutRate">Dropout before each learned 1×1 conv (<c>--dropout-rate</c>).</param>
/// <param name="GroupLassoLambda">Weight of the group-lasso loss term (<c>--group-lasso-lambda</c>); 0 = off.</param>
public sealed record CondenseNetConfiguration(
    IReadOnlyList<int> Stages,
    IReadOnlyList<int> Growth,
    int InitStride,
    int Bottleneck = 4,
    int Group1x1 = 4,
    int Group3x3 = 4,
    int CondenseFactor = 4,
    double DropoutRate = 0,
    double GroupLassoLambda = 0)
{
    /// <summary>
    /// CondenseNet-86 for CIFAR (3×32×32): blocks of 14-14-14 layers, growth 8-16-32, G = C = 4, bottleneck 4,
    /// as the official CIFAR recipe (<c>script.sh</c>; group lasso off). 0.52 M parameters condensed.
    /// </summary>
    public static CondenseNetConfiguration CondenseNet86 { get; } = new(Stages: [14, 14, 14], Growth: [8, 16, 32], InitStride: 1);

    /// <summary>
    /// CondenseNet-74 (C = G = 4) for ImageNet (3×224×224): blocks of 4-6-8-10-8 layers, growth 8-16-32-64-128,
    /// stem stride 2, group lasso 1e-5 as the official ImageNet recipe (<c>script.sh</c>). 4.8 M parameters condensed.
    /// </summary>
    public static CondenseNetConfiguration CondenseNet74 { get; } =
        new(Stages: [4, 6, 8, 10, 8], Growth: [8, 16, 32, 64, 128], InitStride: 2, GroupLassoLambda: 1e-5);

    /// <summary>
    /// A small CondenseNet for MNIST (1×28×28), ours: blocks of 3-3-3 layers, growth 8-16-32, stem stride 2
    /// (28 → 14 → 7 → 3), G = C = 4. Sized to train one epoch of 10,000 images in well under a minute on one core.
    /// </summary>
    public static CondenseNetConfiguration Mnist { get; } = new(Stages: [3, 3, 3], Growth: [8, 16, 32], InitStride: 2);

    /// <summary>Number of dense blocks.</summary>
    public int Blocks => Stages.Count;

    /// <summary>Channels out of the stem conv: 2·k₀.</summary>
    public int StemChannels => 2 * Growth[0];

    /// <summary>Channels into the classifier: stem + Σ layers·growth.</summary>
    public int FeatureChannels => StemChannels + Stages.Zip(Growth, (n, k) => n * k).Sum();

    /// <summary>Checks the channel arithmetic every layer needs; the message names the first layer that fails.</summary>
    /// <exception cref="ArgumentException">A count is not positive or a channel count is not divisible as required.</exception>
    public void Validate(string architecture)
    {
        if (Stages.Count == 0 || Stages.Count != Growth.Count)
            throw new ArgumentException(
                $"CondenseNet '{architecture}': {Stages.Count} stage depths and {Growth.Count} growth rates; give one growth rate per stage (at least one stage).");
        if (Stages.Any(n => n < 1) || Growth.Any(k => k < 1) || InitStride < 1 || Bottleneck < 1 || Group1x1 < 1 || Group3x3 < 1 || CondenseFactor < 1)
            throw new ArgumentException($"CondenseNet '{architecture}': every depth, growth rate, stride, bottleneck, group count and condense factor must be at least 1.");
        if (DropoutRate is < 0 or >= 1 || GroupLassoLambda < 0)
            throw new ArgumentException($"CondenseNet '{architecture}': dropout rate must be in [0, 1) and the group-lasso weight non-negative.");

        var channels = StemChannels;
        for (var block = 0; block < Blocks; block++)
        {
            var growth = Growth[block];
            var width = Bottleneck * growth;
            for (var layer = 0; layer < Stages[block]; layer++, channels += growth)
            {
                var where = $"CondenseNet '{architecture}', block {block + 1} layer {layer + 1}";
                if (channels % Group1x1 != 0 || channels % CondenseFactor != 0)
                    throw new ArgumentException($"{where}: {channels} input channels are not divisible by G = {Group1x1} and C = {CondenseFactor}.");
                if (width % Group1x1 != 0 || width % Group3x3 != 0 || growth % Group3x3 != 0)
                    throw new ArgumentException(
                        $"{where}: bottleneck width {width} and growth {growth} must be divisible by the 1×1 groups {Group1x1} and the 3×3 groups {Group3x3}.");
            }
        }
    }
}
