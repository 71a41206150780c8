namespace CnnMl.Architectures;

/// <summary>Registry entries for Big-Little Net (ICLR 2019): the paper's bL-ResNet-50 and a small MNIST variant.</summary>
internal sealed class BigLittleNetworks : ICnnArchitectureFamily
{
    /// <inheritdoc />
    public int Order => 70;

    /// <summary>blresnet50 and biglittle.</summary>
    public IEnumerable<CnnArchitecture> Entries =>
    [
        new(CnnArchitectures.BLResNet50,
            "bL-ResNet-50 (Big-Little Net, ICLR 2019, α = 2, β = 4): big branch at half resolution, narrow little branch at full resolution",
            KnownInputs.ImageNet, KnownInputs.ImageNetClasses,
            (input, classes) => new BigLittleResNet(CnnArchitectures.BLResNet50, input, classes, BigLittleConfiguration.BLResNet50)) { ClassifierName = "fc" },
        new(CnnArchitectures.BigLittle,
            "Small bL-ResNet for 28×28 digits: three bL-modules (α = 2, β = 4) and a bottleneck stage, widths 8-32-64-128, 3×3 stem",
            KnownInputs.Mnist, KnownInputs.MnistClasses,
            (input, classes) => new BigLittleResNet(CnnArchitectures.BigLittle, input, classes, BigLittleConfiguration.Mnist)) { ClassifierName = "fc" },
    ];
}
