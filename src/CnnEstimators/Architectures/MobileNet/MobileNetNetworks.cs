namespace CnnMl.Architectures;

/// <summary>Registry entry for torchvision's MobileNetV2, built with torchvision's names so its weights load.</summary>
internal sealed class MobileNetNetworks : ICnnArchitectureFamily
{
    /// <inheritdoc />
    public int Order => 30;

    /// <summary>mobilenet-v2.</summary>
    public IEnumerable<CnnArchitecture> Entries =>
    [
        new(CnnArchitectures.MobileNetV2,
            "MobileNetV2 (torchvision): inverted residuals with linear bottlenecks; 3.5 M parameters",
            KnownInputs.ImageNet, KnownInputs.ImageNetClasses, (input, classes) => new MobileNetV2(input, classes)) { ClassifierName = "classifier.1" },
    ];
}
