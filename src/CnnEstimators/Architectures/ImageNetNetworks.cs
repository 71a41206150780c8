namespace CnnMl.Architectures;

/// <summary>Registry entries for torchvision's ImageNet networks, built with torchvision's names so its weights load.</summary>
internal static class ImageNetNetworks
{
    /// <summary>The 3×224×224 input torchvision's ImageNet models are trained on.</summary>
    public static readonly ImageShape ImageNetInput = new(3, 224, 224);

    /// <summary>ImageNet's class count.</summary>
    public const int ImageNetClasses = 1000;

    /// <summary>resnet18, resnet50, resnext50-32x4d, mobilenet-v2.</summary>
    public static IEnumerable<CnnArchitecture> Entries =>
    [
        new(CnnArchitectures.ResNet18,
            "ResNet-18 (torchvision): basic blocks [2, 2, 2, 2]; 11.7 M parameters",
            ImageNetInput, ImageNetClasses, ResNet.ResNet18) { ClassifierName = "fc" },
        new(CnnArchitectures.ResNet50,
            "ResNet-50 (torchvision, v1.5): bottleneck blocks [3, 4, 6, 3]; 25.6 M parameters",
            ImageNetInput, ImageNetClasses, ResNet.ResNet50) { ClassifierName = "fc" },
        new(CnnArchitectures.ResNeXt50_32x4d,
            "ResNeXt-50 32×4d (torchvision): grouped bottlenecks, cardinality 32, width 4; 25.0 M parameters",
            ImageNetInput, ImageNetClasses, ResNet.ResNeXt50_32x4d) { ClassifierName = "fc" },
        new(CnnArchitectures.MobileNetV2,
            "MobileNetV2 (torchvision): inverted residuals with linear bottlenecks; 3.5 M parameters",
            ImageNetInput, ImageNetClasses, (input, classes) => new MobileNetV2(input, classes)) { ClassifierName = "classifier.1" },
    ];
}
