using CnnMl.Architectures;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.Evaluation;

/// <summary>
/// The block-showcase networks (depthwise-separable, group-conv, resnet-bottleneck, conv3d) trained through the
/// MLContext pipeline for one epoch on the first 10,000 MNIST training images (Adam 1e-3, batch 64, one libtorch thread)
/// and evaluated by ML.NET on the 10,000 test images; conv3d sees every digit as an 8-frame clip (ShiftedFrames). Each
/// beats a 784-256-10 network without convolutions trained the same way on the same data (6272-256-10 for the clips)
/// by a margin: half the smallest gap measured over MLContext seeds 1–3.
/// </summary>
/// <remarks>
/// Micro-accuracy under this protocol (one thread; seed 1 is what the tests run); margin = half the smallest gap,
/// rounded down to a tenth of a point:
/// <code>
///                               seed 1   seed 2   seed 3   smallest gap → margin
/// 784-256-10 MLP (digits)       90.74%   90.82%   90.28%
/// depthwise-separable           96.34%   96.42%   96.06%   5.60 points → 2.8
/// group-conv                    96.57%   95.20%   96.39%   4.38 points → 2.1
/// resnet-bottleneck             95.01%   94.84%   94.71%   4.02 points → 2.0
/// 6272-256-10 MLP (8-frame clips) 92.22% 92.82%   92.79%
/// conv3d                        96.16%   97.14%   96.93%   3.94 points → 1.9
/// </code>
/// These were measured before the oneDNN probe, when a fixed rule trained networks with narrow convolutions without
/// oneDNN. Measured again on the current build (the probe on; seed 1 from the test run, seeds 2–3 with
/// <c>CNNML_EVALUATION_SEED</c>):
/// <code>
///                               seed 1   seed 2   seed 3   smallest gap (margin kept)
/// 784-256-10 MLP (digits)       90.74%   90.82%   90.28%
/// depthwise-separable           96.19%   96.26%   95.65%   5.37 points (2.8)
/// group-conv                    96.41%   95.43%   96.30%   4.61 points (2.1)
/// resnet-bottleneck             94.74%   94.67%   94.87%   3.85 points (2.0)
/// 6272-256-10 MLP (8-frame clips) 92.87% 92.09%   92.65%
/// conv3d                        97.27%   95.43%   95.81%   3.16 points (1.9)
/// </code>
/// Every seed still clears each margin, by at least 1.26 points (conv3d, seed 3).
/// Floors: a fixed floor of 90 % was passed by the MLP itself (90.74 %). Each floor lies above the baseline's best
/// seed and below the networks' worst, in both sweeps: 93 % for the digits (MLP at most 90.82 %, networks at least
/// 94.67 %), 94 % for the clips (clips MLP at most 92.87 %, conv3d at least 95.43 %); the MLP, the weaker model, fails
/// both.
/// </remarks>
[TestClass]
[TestCategory("Evaluation")]
public sealed class ZooEvaluationTests
{
    private const int TrainingImages = 10_000;
    private const double DigitsFloor = 0.93;
    private const double ClipsFloor = 0.94;
    private const double DepthwiseSeparableMargin = 0.028;
    private const double GroupConvMargin = 0.021;
    private const double ResNetBottleneckMargin = 0.020;
    private const double Conv3dMargin = 0.019;

    private static MnistEvaluation.Data? _digits;

    /// <summary>The 10,000 digits, loaded once for every network of the class and the baseline.</summary>
    private static MnistEvaluation.Data Digits => _digits ??= MnistEvaluation.Load(TrainingImages);

    private static double? _baseline;

    /// <summary>The MLP's accuracy on <see cref="Digits"/>, trained once for the class.</summary>
    private static double Baseline => _baseline ??= MnistEvaluation.SharedAccuracy(Digits, NoConvolutionBaselines.Mlp, epochs: 1);

    [TestMethod]
    [DataRow(CnnArchitectures.DepthwiseSeparable, DepthwiseSeparableMargin)]
    [DataRow(CnnArchitectures.GroupConv, GroupConvMargin)]
    [DataRow(CnnArchitectures.ResNetBottleneck, ResNetBottleneckMargin)]
    public void OneEpochOnTenThousandImagesReaches93PercentAndBeatsTheMlp(string architecture, double margin)
    {
        var accuracy = MnistEvaluation.MicroAccuracy(Digits, architecture, epochs: 1);
        Assert.IsGreaterThanOrEqualTo(DigitsFloor, accuracy, $"{architecture} micro-accuracy {accuracy:P2} (floor {DigitsFloor:P0}, above the MLP's best seed, 90.82 %)");
        MnistEvaluation.AssertBeatsBaseline(architecture, accuracy, Baseline, margin);
    }

    [TestMethod]
    public void Conv3dOnEightFrameClipsOneEpochReaches94PercentAndBeatsTheMlp()
    {
        var clips = MnistEvaluation.Load(TrainingImages, asVolumes: true);
        var accuracy = MnistEvaluation.MicroAccuracy(clips, CnnArchitectures.Conv3d, epochs: 1);
        var baseline = MnistEvaluation.SharedAccuracy(clips, NoConvolutionBaselines.Mlp, epochs: 1);
        Assert.IsGreaterThanOrEqualTo(ClipsFloor, accuracy, $"conv3d micro-accuracy {accuracy:P2} (floor {ClipsFloor:P0}, above the clips MLP's best seed, 92.87 %)");
        MnistEvaluation.AssertBeatsBaseline("conv3d", accuracy, baseline, Conv3dMargin);
    }
}
