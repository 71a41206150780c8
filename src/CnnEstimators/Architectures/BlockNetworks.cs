namespace CnnMl.Architectures;

/// <summary>Registry entries for the small networks that showcase one block each, sized to train on MNIST in seconds.</summary>
internal static class BlockNetworks
{
    /// <summary>An MNIST digit as a clip of 8 frames (see <c>CnnMl.Data.ShiftedFrames</c>).</summary>
    public static readonly ImageShape MnistVolumeInput = new(1, 8, 28, 28);

    /// <summary>depthwise-separable, group-conv, resnet-bottleneck, conv3d.</summary>
    public static IEnumerable<CnnArchitecture> Entries =>
    [
        new(CnnArchitectures.DepthwiseSeparable,
            "Depthwise separable convolutions (MobileNet v1 style): stem, separable 16 → 32 → 64 → 128 → 256, global pooling",
            ClassicNetworks.MnistInput, 10, (input, classes) => new DepthwiseSeparableNet(input, classes)) { ClassifierName = "fc" },
        new(CnnArchitectures.GroupConv,
            "Group convolutions with channel shuffle: stem, grouped 3×3 16 → 64 (g4) → 64 (g8) → 128 (g8) → 256 (g8), global pooling",
            ClassicNetworks.MnistInput, 10, (input, classes) => new GroupConvNet(input, classes)) { ClassifierName = "fc" },
        new(CnnArchitectures.ResNetBottleneck,
            "Small ResNet of bottleneck blocks (1×1 reduce → 3×3 → 1×1 expand ×4) with projection shortcuts",
            ClassicNetworks.MnistInput, 10, (input, classes) => new BottleneckNet(input, classes)) { ClassifierName = "fc" },
        new(CnnArchitectures.Conv3d,
            "Small 3D CNN for CxDxHxW volumes or clips: Conv3d blocks 16 (stride 1, 2, 2) → 32 → 64 with 2×2×2 pooling, linear classifier",
            MnistVolumeInput, 10, (input, classes) => new Conv3dNet(input, classes)) { ClassifierName = "fc" },
    ];
}
