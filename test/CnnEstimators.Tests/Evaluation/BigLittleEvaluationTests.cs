using CnnMl.Architectures;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.Evaluation;

/// <summary>
/// biglittle (a small bL-ResNet) trained through the MLContext pipeline for two epochs on the first 10,000 MNIST
/// training images (one libtorch thread) and evaluated by ML.NET on the 10,000 test images, beside a 784-256-10 network
/// without convolutions trained the same way. Its little branch has narrow 3×3 convolutions, whose oneDNN gradients
/// the probe checks (OneDnnMode.Auto; see OneDnnLayerTests).
/// Reference: the official bL-ResNet code with the same configuration in PyTorch 1.13, one thread, Adam 1e-3,
/// batch 64, one epoch on the same 10,000 images: 93.8% and 93.1% for seeds 1 and 2.
/// </summary>
/// <remarks>
/// Two epochs, not one: after one epoch (an earlier build, oneDNN probe, one thread) seeds 1–3 gave 93.44%, 92.04% and 86.22%, the last
/// below both 90% and the MLP's 90.28%. Micro-accuracy after two epochs (<c>CNNML_EVALUATION_SEED</c> 1–3; seed 1 is
/// what the test runs), measured again on the current build (the oneDNN probe on; the MLP's figures are unchanged,
/// biglittle's are not: an earlier build gave 96.20 %, 94.02 %, 93.44 %); margin = half the smallest gap, rounded down
/// to a tenth of a point:
/// <code>
///                          seed 1   seed 2   seed 3   smallest gap → margin
/// biglittle                96.68%   95.60%   95.18%
/// 784-256-10 MLP           92.37%   92.42%   91.64%   3.18 points → 1.5
/// </code>
/// The floor lies above the MLP's best seed and below biglittle's worst: 93 % (a fixed 90 % was passed by the MLP
/// itself, 92.37 %); the MLP, the weaker model, fails it. The MLP trained further does not stay below: 3 epochs gave
/// 93.18 %, 93.51 %, 93.39 % for seeds 1–3.
/// </remarks>
[TestClass]
[TestCategory("Evaluation")]
public sealed class BigLittleEvaluationTests
{
    private const double Floor = 0.93;
    private const double Margin = 0.015;

    [TestMethod]
    public void BigLittleTwoEpochsOnTenThousandImagesReaches93PercentAndBeatsTheMlp()
    {
        var data = MnistEvaluation.Load(10_000);
        var accuracy = MnistEvaluation.MicroAccuracy(data, CnnArchitectures.BigLittle, epochs: 2);
        var baseline = MnistEvaluation.SharedAccuracy(data, NoConvolutionBaselines.Mlp, epochs: 2);
        Assert.IsGreaterThanOrEqualTo(Floor, accuracy, $"biglittle micro-accuracy {accuracy:P2} (floor {Floor:P0}, above the MLP's best seed, 92.42 %)");
        MnistEvaluation.AssertBeatsBaseline("biglittle", accuracy, baseline, Margin);
    }
}
