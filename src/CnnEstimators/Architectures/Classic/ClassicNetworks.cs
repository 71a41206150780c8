namespace CnnMl.Architectures;

/// <summary>Registry entries for the source document's two MNIST networks.</summary>
internal sealed class ClassicNetworks : ICnnArchitectureFamily
{
    /// <inheritdoc />
    public int Order => 10;

    /// <summary>mnist-cnn and lenet5.</summary>
    public IEnumerable<CnnArchitecture> Entries =>
    [
        new(CnnArchitectures.MnistCnn,
            "The source document's MNIST CNN: conv 16 → conv 32 ×2 → conv 64, max-pooling, one linear layer",
            KnownInputs.Mnist, KnownInputs.MnistClasses, (input, classes) => new MnistCnn(input, classes)) { ClassifierName = "out" },
        new(CnnArchitectures.LeNet5,
            "LeNet-5 (d2l): sigmoid, average pooling, conv 6 → conv 16 → 120 → 84",
            KnownInputs.Mnist, KnownInputs.MnistClasses, LeNet5.Create) { ClassifierName = "11" },
    ];
}
