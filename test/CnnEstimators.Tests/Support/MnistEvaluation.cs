using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.Support;

/// <summary>
/// The evaluation suites' common run: an architecture trained through the MLContext pipeline on MNIST
/// (Adam 1e-3, batch 64, MLContext seed 1) and evaluated by ML.NET on the 10,000 test images.
/// </summary>
internal static class MnistEvaluation
{
    /// <summary>Micro-accuracy on the test set; prints the run's figures to the test log.</summary>
    /// <param name="architecture">Registry name.</param>
    /// <param name="epochs">Epochs.</param>
    /// <param name="trainingImages">The first N training images, or null for all 60,000.</param>
    /// <param name="asVolumes">Turn every digit into an 8-frame clip (<see cref="ShiftedFrames"/>) for 3D networks.</param>
    public static double MicroAccuracy(string architecture, int epochs, int? trainingImages, bool asVolumes = false)
    {
        var dir = TestPaths.RequireMnist();
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(dir, MnistSplit.Train, trainingImages);
        var test = ml.Data.LoadMnist(dir, MnistSplit.Test);
        var shape = KnownInputs.Mnist;
        if (asVolumes)
        {
            train = ShiftedFrames.Transform(ml, train, shape);
            test = ShiftedFrames.Transform(ml, test, shape);
            shape = ShiftedFrames.VolumeShape(shape);
        }
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = architecture,
            ImageShape = shape,
            Epochs = epochs,
            BatchSize = 64,
            LearningRate = 1e-3,
            ReportEveryBatches = 0,
        }).Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Console.WriteLine($"{architecture} ({shape}): {epochs} epoch(s) on {train.GetRowCount():N0} images, micro {metrics.MicroAccuracy:P2}, " +
                          $"macro {metrics.MacroAccuracy:P2}, log-loss {metrics.LogLoss:F4}, {model.TrainingSummary!.ImagesPerSecond:N0} images/s");
        return metrics.MicroAccuracy;
    }
}
