namespace CnnMl.Architectures;

/// <summary>Registry entries for the source document's two MNIST networks.</summary>
internal static class ClassicNetworks
{
    /// <summary>The 1×28×28 MNIST input both networks were written for.</summary>
    public static readonly ImageShape MnistInput = new(1, 28, 28);

    /// <summary>mnist-cnn and lenet5.</summary>
    public static IEnumerable<CnnArchitecture> Entries =>
    [
        new(CnnArchitectures.MnistCnn,
            "The source document's MNIST CNN: conv 16 → conv 32 ×2 → conv 64, max-pooling, one linear layer",
            MnistInput, 10, (input, classes) => new MnistCnn(input, classes)) { ClassifierName = "out" },
        new(CnnArchitectures.LeNet5,
            "LeNet-5 (d2l): sigmoid, average pooling, conv 6 → conv 16 → 120 → 84",
            MnistInput, 10, LeNet5.Create) { ClassifierName = "11" },
    ];
}
