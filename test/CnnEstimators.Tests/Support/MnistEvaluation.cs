using System.Collections.Concurrent;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Optimizers;
using CnnMl.Scoring;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.Support;

/// <summary>
/// The evaluation suites' common protocol: a network trained through the MLContext pipeline on MNIST (MLContext seed 1,
/// Adam 1e-3, batch 64, one libtorch thread so that every run repeats bit for bit) and evaluated by ML.NET on the 10,000
/// test images; and the same protocol for a no-convolution baseline on the same loaded data.
/// <c>CNNML_EVALUATION_SEED=N</c> reruns the protocol with MLContext seed N (how the margins' seed sweeps were measured;
/// the assertions hold for seed 1).
/// </summary>
internal static class MnistEvaluation
{
    /// <summary>The protocol's MLContext seed: 1, or <c>CNNML_EVALUATION_SEED</c>.</summary>
    public static int Seed { get; } = int.TryParse(Environment.GetEnvironmentVariable("CNNML_EVALUATION_SEED"), out var seed) ? seed : 1;

    /// <summary>The loaded training and test views and the input shape, shared by a network and its baseline.</summary>
    /// <param name="Train">The training images.</param>
    /// <param name="Test">The 10,000 test images.</param>
    /// <param name="Shape">The input shape.</param>
    /// <param name="TrainingImages">How many training images were loaded (null: all 60,000).</param>
    /// <param name="AsVolumes">Every digit is an 8-frame clip.</param>
    public sealed record Data(IDataView Train, IDataView Test, ImageShape Shape, int? TrainingImages, bool AsVolumes);

    // One entry per (training images, clips, network, epochs, seed): a run several classes need (a no-convolution
    // baseline, the seed CNN on all 60,000 images) is trained once per test process. Lazy: a second class asking while
    // the first trains waits for the same run.
    private static readonly ConcurrentDictionary<(int? TrainingImages, bool AsVolumes, string Network, int Epochs, int Seed), Lazy<double>> Shared = new();

    /// <summary>Loads the first <paramref name="trainingImages"/> training images (null: all 60,000) and the test set.</summary>
    /// <param name="trainingImages">How many training images.</param>
    /// <param name="asVolumes">Turn every digit into an 8-frame clip (<see cref="ShiftedFrames"/>) for 3D networks.</param>
    public static Data Load(int? trainingImages, bool asVolumes = false)
    {
        var dir = TestPaths.RequireMnist();
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(dir, MnistSplit.Train, trainingImages);
        var test = ml.Data.LoadMnist(dir, MnistSplit.Test);
        var shape = KnownInputs.Mnist;
        if (!asVolumes) return new Data(train, test, shape, trainingImages, AsVolumes: false);
        return new Data(ShiftedFrames.Transform(ml, train, shape), ShiftedFrames.Transform(ml, test, shape), ShiftedFrames.VolumeShape(shape),
            trainingImages, AsVolumes: true);
    }

    /// <summary>Micro-accuracy on the test set of <paramref name="architecture"/> trained for <paramref name="epochs"/>; prints the run's figures.</summary>
    /// <param name="data">The loaded data.</param>
    /// <param name="architecture">The network.</param>
    /// <param name="epochs">Epochs.</param>
    /// <param name="customise">Changes to the protocol's options (progress reports, for example).</param>
    /// <param name="inspect">Called with the trained model before it is disposed.</param>
    public static double MicroAccuracy(Data data, CnnArchitecture architecture, int epochs, Action<CnnTrainerOptions>? customise = null,
        Action<CnnTransformer>? inspect = null)
    {
        var ml = new MLContext(seed: Seed);
        var options = new CnnTrainerOptions
        {
            CustomArchitecture = architecture,
            ImageShape = data.Shape,
            Epochs = epochs,
            BatchSize = 64,
            Optimizer = new Adam { LearningRate = 1e-3 },
            ReportEveryBatches = 0,
            NumberOfThreads = 1,
        };
        customise?.Invoke(options);
        using var model = ml.MulticlassClassification.Trainers.Cnn(options).Fit(data.Train);
        inspect?.Invoke(model);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data.Test));
        Console.WriteLine($"{architecture.Name} ({data.Shape}), seed {Seed}: {epochs} epoch(s) on {data.Train.GetRowCount():N0} images, micro {metrics.MicroAccuracy:P2}, " +
                          $"macro {metrics.MacroAccuracy:P2}, log-loss {metrics.LogLoss:F4}, {model.TrainingSummary!.ImagesPerSecond:N0} images/s");
        return metrics.MicroAccuracy;
    }

    /// <summary>Micro-accuracy of a registered architecture under the protocol.</summary>
    public static double MicroAccuracy(Data data, string architecture, int epochs) => MicroAccuracy(data, CnnArchitectures.Get(architecture), epochs);

    /// <summary>
    /// Micro-accuracy of <paramref name="network"/> under the protocol (no customisation), trained once per test
    /// process for each data set, epoch count and seed and shared by every class that needs the same run — a
    /// no-convolution baseline (<see cref="NoConvolutionBaselines"/>) most often. A shared run gives the figure a run of
    /// its own gives: on one thread each run repeats bit for bit.
    /// </summary>
    public static double SharedAccuracy(Data data, CnnArchitecture network, int epochs) =>
        Shared.GetOrAdd((data.TrainingImages, data.AsVolumes, network.Name, epochs, Seed),
            _ => new Lazy<double>(() => MicroAccuracy(data, network, epochs))).Value;

    /// <summary>Asserts that <paramref name="network"/> beats <paramref name="baseline"/> by at least <paramref name="margin"/> (accuracies 0–1).</summary>
    public static void AssertBeatsBaseline(string name, double network, double baseline, double margin) =>
        Assert.IsGreaterThanOrEqualTo(baseline + margin, network,
            $"{name}: micro-accuracy {network:P2} must beat the no-convolution baseline's {baseline:P2} by {margin:P2} (it beats it by {network - baseline:P2})");
}
