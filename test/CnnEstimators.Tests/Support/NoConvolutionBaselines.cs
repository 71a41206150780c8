using CnnMl.Architectures;
using static TorchSharp.torch;

namespace CnnMl.Tests.Support;

/// <summary>
/// Networks without a single convolution, trained under the evaluation protocol beside each convolutional network so
/// that an evaluation test shows what the convolutions add. They are architecture objects, not registry entries.
/// </summary>
internal static class NoConvolutionBaselines
{
    /// <summary>Flatten → linear (all pixels → 256) → ReLU → linear (256 → classes): 784-256-10 on MNIST digits.</summary>
    public static CnnArchitecture Mlp { get; } = new("baseline-mlp", "784-256-10 MLP, no convolutions", new ImageShape(1, 28, 28), 10,
        (input, classes) => nn.Sequential(
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(input.ElementCount, 256)),
            ("relu", nn.ReLU()),
            ("fc2", nn.Linear(256, classes))));

    /// <summary>Flatten → one linear layer (all pixels → classes): multinomial logistic regression.</summary>
    public static CnnArchitecture Linear { get; } = new("baseline-linear", "one linear layer, no convolutions", new ImageShape(1, 28, 28), 10,
        (input, classes) => nn.Sequential(("flatten", nn.Flatten()), ("fc", nn.Linear(input.ElementCount, classes))));
}
