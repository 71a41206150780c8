using CnnMl.Architectures;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.Evaluation;

/// <summary>
/// biglittle (a small bL-ResNet) trained through the MLContext pipeline for one epoch on the first 10,000 MNIST
/// training images and evaluated by ML.NET on the 10,000 test images. Its little branch has narrow 3×3
/// convolutions, whose oneDNN gradients the probe checks (OneDnnMode.Auto; see OneDnnLayerTests). Budget ≈ 45 s on 2 cores.
/// Reference: the official bL-ResNet code with the same configuration in PyTorch 1.13, one thread, Adam 1e-3,
/// batch 64, one epoch on the same 10,000 images: 93.8% and 93.1% for seeds 1 and 2.
/// </summary>
[TestClass]
[TestCategory("Evaluation")]
public sealed class BigLittleEvaluationTests
{
    [TestMethod]
    public void BigLittleOneEpochOnTenThousandImagesBeats90Percent()
    {
        var accuracy = MnistEvaluation.MicroAccuracy(CnnArchitectures.BigLittle, epochs: 1, trainingImages: 10_000);
        Assert.IsGreaterThan(0.90, accuracy, $"biglittle micro-accuracy {accuracy:P2}");
    }
}
