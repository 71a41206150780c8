namespace CnnMl.Architectures;

/// <summary>Registry entries for the small networks that showcase one block each, sized to train on MNIST in seconds.</summary>
internal sealed class BlockNetworks : ICnnArchitectureFamily
{
    /// <inheritdoc />
    public int Order => 40;

    /// <summary>depthwise-separable, group-conv, resnet-bottleneck.</summary>
    public IEnumerable<CnnArchitecture> Entries =>
    [
        new(CnnArchitectures.DepthwiseSeparable,
            "Depthwise separable convolutions (MobileNet v1 style): stem, separable 16 → 32 → 64 → 128 → 256, global pooling",
            KnownInputs.Mnist, KnownInputs.MnistClasses, (input, classes) => new DepthwiseSeparableNet(input, classes)) { ClassifierName = "fc" },
        new(CnnArchitectures.GroupConv,
            "Group convolutions with channel shuffle: stem, grouped 3×3 16 → 64 (g4) → 64 (g8) → 128 (g8) → 256 (g8), global pooling",
            KnownInputs.Mnist, KnownInputs.MnistClasses, (input, classes) => new GroupConvNet(input, classes)) { ClassifierName = "fc" },
        new(CnnArchitectures.ResNetBottleneck,
            "Small ResNet of bottleneck blocks (1×1 reduce → 3×3 → 1×1 expand ×4) with projection shortcuts",
            KnownInputs.Mnist, KnownInputs.MnistClasses, (input, classes) => new BottleneckNet(input, classes)) { ClassifierName = "fc" },
    ];
}
