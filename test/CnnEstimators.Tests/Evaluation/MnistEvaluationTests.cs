using CnnMl.Architectures;
using CnnMl.Tests.Support;
using CnnMl.Training;

namespace CnnMl.Tests.Evaluation;

/// <summary>
/// The source document's two MNIST networks trained through the MLContext pipeline (one libtorch thread, so each run
/// repeats bit for bit) and evaluated by ML.NET on the 10,000 test images, each beside the 784-256-10 network without
/// convolutions trained under the same protocol on the same loaded data.
/// </summary>
/// <remarks>
/// Margins are half the smallest gap measured over MLContext seeds 1–3 under each protocol (one thread; seed 1 is what
/// the tests run), rounded down to a tenth of a point:
/// <code>
///                                       seed 1   seed 2   seed 3   smallest gap → margin
/// mnist-cnn, 1 epoch on 60,000          98.24%   98.69%   98.89%
/// 784-256-10 MLP, same                  95.44%   95.57%   95.14%   2.80 points → 1.4
/// lenet5, 50 epochs on 2,000, 3e-3/32   95.61%   94.15%   94.36%
/// 784-256-10 MLP, same                  91.99%   92.14%   91.83%   2.01 points → 1.0
/// </code>
/// With the oneDNN probe, seed 1 gave mnist-cnn 98.41 % and the MLP 95.40 % on an AMD EPYC (Zen 5), and 98.12 % and
/// 95.43 % on an Intel Xeon (the libtorch kernels differ by CPU; each machine repeats its own figures bit for bit).
/// <para>
/// LeNet-5's budget: the document's LeNet (sigmoid, average pooling) learns slowly, and on all 60,000 images the MLP
/// keeps up with it for several epochs (Adam 1e-3, batch 64: 97.22 % against the MLP's 97.62 % after 5 epochs, seed 1;
/// Adam 3e-3: 97.89 / 96.92 / 97.21 % against 97.50 / 97.35 / 97.09 % after 2 epochs, 97.60 % against 97.69 % after 3
/// epochs for seed 2; at 1e-2 LeNet does not learn, 11.35 %). Where convolutions pay is fewer images: on the first
/// 2,000, trained to convergence (50 epochs, batch 32, Adam 3e-3, the rate at which the sigmoid network trains), LeNet
/// wins at every seed. The MLP is not held back by that rate: at 1e-3 on the same budget it scores less (90.85 %,
/// 90.85 %, 90.66 %; LeNet 92.84 %, 92.57 %, 93.27 %). The floor, 93 %, lies above the MLP's best seed and below
/// LeNet's worst, so the MLP fails it.
/// </para>
/// </remarks>
[TestClass]
[TestCategory("Evaluation")]
public sealed class MnistEvaluationTests
{
    private const double MnistCnnMargin = 0.014;
    private const double LeNet5Margin = 0.010;

    [TestMethod]
    public void MnistCnnOneEpochReaches98PercentAndBeatsAnMlp()
    {
        // PyTorch with the same settings: 98.6% after one epoch.
        var data = MnistEvaluation.Load(trainingImages: null);
        // Shared with StreamingTrainingTests, whose in-memory run this is: trained once per test process.
        var accuracy = MnistEvaluation.SharedAccuracy(data, CnnArchitectures.Get(CnnArchitectures.MnistCnn), epochs: 1);
        var baseline = MnistEvaluation.SharedAccuracy(data, NoConvolutionBaselines.Mlp, epochs: 1);
        Assert.IsGreaterThanOrEqualTo(0.980, accuracy, $"mnist-cnn micro-accuracy {accuracy:P2}");
        MnistEvaluation.AssertBeatsBaseline("mnist-cnn", accuracy, baseline, MnistCnnMargin);
    }

    [TestMethod]
    public void LeNet5FiftyEpochsOn2000ImagesReaches93PercentAndBeatsTheMlp()
    {
        var data = MnistEvaluation.Load(trainingImages: 2_000);
        void Protocol(CnnTrainerOptions options)
        {
            options.BatchSize = 32;
            options.Optimizer.LearningRate = 3e-3;
        }
        var accuracy = MnistEvaluation.MicroAccuracy(data, CnnArchitectures.Get(CnnArchitectures.LeNet5), epochs: 50, Protocol);
        var baseline = MnistEvaluation.MicroAccuracy(data, NoConvolutionBaselines.Mlp, epochs: 50, Protocol);
        Assert.IsGreaterThanOrEqualTo(0.930, accuracy, $"lenet5 micro-accuracy {accuracy:P2} (floor 93 %, above the MLP's best seed, 92.14 %)");
        MnistEvaluation.AssertBeatsBaseline("lenet5", accuracy, baseline, LeNet5Margin);
    }
}
