namespace CnnMl.Architectures;

/// <summary>Registry entries for torchvision's ImageNet ResNets, built with torchvision's names so its weights load.</summary>
internal sealed class ResNetNetworks : ICnnArchitectureFamily
{
    /// <inheritdoc />
    public int Order => 20;

    /// <summary>resnet18, resnet50, resnext50-32x4d.</summary>
    public IEnumerable<CnnArchitecture> Entries =>
    [
        new(CnnArchitectures.ResNet18,
            "ResNet-18 (torchvision): basic blocks [2, 2, 2, 2]; 11.7 M parameters",
            KnownInputs.ImageNet, KnownInputs.ImageNetClasses, ResNet.ResNet18) { ClassifierName = "fc" },
        new(CnnArchitectures.ResNet50,
            "ResNet-50 (torchvision, v1.5): bottleneck blocks [3, 4, 6, 3]; 25.6 M parameters",
            KnownInputs.ImageNet, KnownInputs.ImageNetClasses, ResNet.ResNet50) { ClassifierName = "fc" },
        new(CnnArchitectures.ResNeXt50_32x4d,
            "ResNeXt-50 32×4d (torchvision): grouped bottlenecks, cardinality 32, width 4; 25.0 M parameters",
            KnownInputs.ImageNet, KnownInputs.ImageNetClasses, ResNet.ResNeXt50_32x4d) { ClassifierName = "fc" },
    ];
}
