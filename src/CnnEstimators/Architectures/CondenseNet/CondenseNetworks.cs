namespace CnnMl.Architectures;

/// <summary>Registry entries for CondenseNet (learned group convolutions, condensed after training).</summary>
internal sealed class CondenseNetworks : ICnnArchitectureFamily
{
    /// <inheritdoc />
    public int Order => 60;

    /// <summary>condensenet, condensenet86, condensenet74.</summary>
    public IEnumerable<CnnArchitecture> Entries =>
    [
        new(CnnArchitectures.CondenseNet,
            "Small CondenseNet for MNIST: blocks 3-3-3, growth 8-16-32, G = C = 4, stem stride 2; condensed after training",
            KnownInputs.Mnist, KnownInputs.MnistClasses, Factory(CnnArchitectures.CondenseNet, CondenseNetConfiguration.Mnist)) { ClassifierName = "classifier" },
        new(CnnArchitectures.CondenseNet86,
            "CondenseNet-86 (CVPR 2018, CIFAR): blocks 14-14-14, growth 8-16-32, G = C = 4; condensed after training",
            KnownInputs.Cifar, KnownInputs.CifarClasses, Factory(CnnArchitectures.CondenseNet86, CondenseNetConfiguration.CondenseNet86)) { ClassifierName = "classifier" },
        new(CnnArchitectures.CondenseNet74,
            "CondenseNet-74 (CVPR 2018, ImageNet, C = G = 4): blocks 4-6-8-10-8, growth 8-16-32-64-128; condensed after training",
            KnownInputs.ImageNet, KnownInputs.ImageNetClasses, Factory(CnnArchitectures.CondenseNet74, CondenseNetConfiguration.CondenseNet74)) { ClassifierName = "classifier" },
    ];

    private static CnnModuleFactory Factory(string name, CondenseNetConfiguration configuration) =>
        (input, classes) => new CondenseNet(configuration, input, classes, name);
}
