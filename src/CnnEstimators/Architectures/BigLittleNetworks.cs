namespace CnnMl.Architectures;

/// <summary>Registry entries for Big-Little Net (ICLR 2019): the paper's bL-ResNet-50 and a small MNIST variant.</summary>
internal static class BigLittleNetworks
{
    /// <summary>The ImageNet input bL-ResNet-50 was designed for.</summary>
    public static readonly ImageShape ImageNetInput = new(3, 224, 224);

    /// <summary>ImageNet's class count.</summary>
    public const int ImageNetClasses = 1000;

    /// <summary>blresnet50 and biglittle.</summary>
    public static IEnumerable<CnnArchitecture> Entries =>
    [
        new(CnnArchitectures.BLResNet50,
            "bL-ResNet-50 (Big-Little Net, ICLR 2019, α = 2, β = 4): big branch at half resolution, narrow little branch at full resolution",
            ImageNetInput, ImageNetClasses,
            (input, classes) => new BigLittleResNet(CnnArchitectures.BLResNet50, input, classes, BigLittleConfiguration.BLResNet50)) { ClassifierName = "fc" },
        new(CnnArchitectures.BigLittle,
            "Small bL-ResNet for 28×28 digits: three bL-modules (α = 2, β = 4) and a bottleneck stage, widths 8-32-64-128, 3×3 stem",
            ClassicNetworks.MnistInput, 10,
            (input, classes) => new BigLittleResNet(CnnArchitectures.BigLittle, input, classes, BigLittleConfiguration.Mnist)) { ClassifierName = "fc" },
    ];
}
