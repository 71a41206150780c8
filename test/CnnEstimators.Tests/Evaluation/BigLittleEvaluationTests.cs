using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace CnnMl.Tests.Evaluation;

/// <summary>
/// biglittle (a small bL-ResNet) trained through the MLContext pipeline for one epoch on the first 10,000 MNIST
/// training images and evaluated by ML.NET on the 10,000 test images.
/// Budget: one libtorch thread; training ≈ 27 s (370 images/s measured; 46 s when the 2 cores were heavily
/// shared with other jobs), scoring and evaluation ≈ 10 s. Result here: 94.27% (seed 1).
/// Reference: the official bL-ResNet code with the same configuration in PyTorch 1.13, one thread, Adam 1e-3,
/// batch 64, one epoch on the same 10,000 images: 93.8% and 93.1% for seeds 1 and 2.
/// </summary>
[TestClass]
[TestCategory("Evaluation")]
public sealed class BigLittleEvaluationTests
{
    private const int TrainingImages = 10_000;

    [TestMethod]
    public void BigLittleOneEpochOnTenThousandImagesBeats90Percent()
    {
        var dir = TestPaths.RequireMnist();
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(dir, MnistSplit.Train, maxRows: TrainingImages);
        var test = ml.Data.LoadMnist(dir, MnistSplit.Test);
        var estimator = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.BigLittle,
            ImageShape = new ImageShape(1, 28, 28),
            Epochs = 1,
            BatchSize = 64,
            LearningRate = 1e-3,
            LabelColumnName = "Label",
            FeatureColumnName = "Image",
            ReportEveryBatches = 0,
            // One thread: the budget is one core, and with 2 threads libtorch 2.10 (TorchSharp 0.107) computed
            // wrong input gradients for 3×3 stride-1 convolutions with fewer than 16 output channels on this
            // machine (biglittle has several), so training went to NaN. PyTorch 1.13 does not show it.
            NumberOfThreads = 1,
        });

        var threads = torch.get_num_threads();
        CnnTransformer model;
        MulticlassClassificationMetrics metrics;
        try
        {
            model = estimator.Fit(train);
            metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        }
        finally
        {
            torch.set_num_threads(threads); // NumberOfThreads is process-wide: leave the other tests as they were
        }
        using var _ = model;

        Console.WriteLine($"biglittle: 1 epoch on {TrainingImages:N0} images, micro {metrics.MicroAccuracy:P2}, " +
                          $"macro {metrics.MacroAccuracy:P2}, log-loss {metrics.LogLoss:F4}, " +
                          $"{model.TrainingSummary!.ImagesPerSecond:N0} images/s");
        Assert.IsGreaterThan(0.90, metrics.MicroAccuracy, $"biglittle micro-accuracy {metrics.MicroAccuracy:P2}");
    }
}
