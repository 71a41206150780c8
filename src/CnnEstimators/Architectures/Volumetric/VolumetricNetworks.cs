namespace CnnMl.Architectures;

/// <summary>Registry entry for the small 3D CNN (volumes and clips, C×D×H×W).</summary>
internal sealed class VolumetricNetworks : ICnnArchitectureFamily
{
    /// <inheritdoc />
    public int Order => 50;

    /// <summary>conv3d.</summary>
    public IEnumerable<CnnArchitecture> Entries =>
    [
        new(CnnArchitectures.Conv3d,
            "Small 3D CNN for CxDxHxW volumes or clips: Conv3d blocks 16 (stride 1, 2, 2) → 32 → 64 with 2×2×2 pooling, linear classifier",
            KnownInputs.MnistClip, KnownInputs.MnistClasses, (input, classes) => new Conv3dNet(input, classes)) { ClassifierName = "fc" },
    ];
}
