using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Persistence;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Transforms;

namespace CnnMl.Tests.Persistence;

/// <summary>
/// The deployment promise: a model zip saved from a pipeline with a <see cref="Scoring.CnnTransformer"/> is loaded by
/// a separate process that references only ML.NET's packages (test/CnnMl.PlainConsumer, no CnnMl assembly), which
/// scores 1,000 real MNIST test images with the same Score (1e-5), the same PredictedLabel on every row and the same
/// Evaluate metrics as the transformer that was saved. Training budgets are small (1–3 epochs on 2,000 images): these
/// tests are about persistence, not accuracy, but each model must predict more than 3 classes, or the comparison of
/// predicted labels would prove little.
/// </summary>
[TestClass]
public sealed class PlainConsumerTests
{
    private const int TrainingImages = 2_000;
    private const int TestImages = 1_000;
    private const float ScoreTolerance = 1e-5f;

    private static string _folder = "";
    private static string _mnist = "";

    [ClassInitialize]
    public static void CreateFolder(TestContext _)
    {
        _mnist = TestPaths.RequireMnist();
        _folder = Directory.CreateTempSubdirectory("cnnml-consumer-").FullName;
    }

    [ClassCleanup]
    public static void DeleteFolder()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [TestMethod]
    // Budgets under which each network predicts many classes (cnnml train --train-limit 2000 --test-limit 1000):
    // the sigmoid LeNet predicts one class after 32 steps at 1e-3, or 96 steps at 1e-2 or 3e-3 (9.9%), and 65.3% after
    // 3 epochs at 3e-3 in batches of 16; condensenet and biglittle predict at most 3 classes after 32 steps at 1e-3
    // (15.7%, 27.1%), and 87.8% and 86.4% after 2 epochs at 3e-3.
    [DataRow(CnnArchitectures.MnistCnn, 1, 1e-3, 64)]
    [DataRow(CnnArchitectures.LeNet5, 3, 3e-3, 16)]
    [DataRow(CnnArchitectures.CondenseNet, 2, 3e-3, 64)]
    [DataRow(CnnArchitectures.BigLittle, 2, 3e-3, 64)]
    public void MnistVectorModelScoresTheSameInAProcessWithoutCnnMl(string architecture, int epochs, double learningRate, int batchSize)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(_mnist, MnistSplit.Train, TrainingImages);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = architecture, Epochs = epochs, LearningRate = learningRate, BatchSize = batchSize, ReportEveryBatches = 0,
        }).Fit(train);
        var zip = ml.Model.SaveAtomically(model, train.Schema, Path.Combine(_folder, $"{architecture}.zip"));

        var rows = Path.Combine(_folder, $"{architecture}-test.idv");
        using (var file = File.Create(rows)) ml.Data.SaveAsBinary(ml.Data.LoadMnist(_mnist, MnistSplit.Test, TestImages), file);
        var original = ScoredRows.Read(ml, model.Transform(ml.Data.LoadFromBinary(rows)));

        AssertSameInPlainProcess(architecture, zip, rows, original);
    }

    [TestMethod]
    public void Resnet18ImagePipelineFromPngFilesScoresTheSameInAProcessWithoutCnnMl()
    {
        // Model Builder's folder layout and the library's image-input chain (LoadImages → ResizeImages → ExtractPixels →
        // Expression pixel / 255), all saved in the zip with the network.
        var ml = new MLContext(seed: 1);
        var shape = new ImageShape(3, 32, 32);
        var train = ml.Data.LoadImageFolder(WritePngs(MnistSplit.Train, TrainingImages));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.CnnImageInput(shape, outputColumnName: "Pixels"))
            .Append(ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                Architecture = CnnArchitectures.ResNet18, ImageShape = shape, FeatureColumnName = "Pixels",
                Epochs = 1, BatchSize = 64, ReportEveryBatches = 0,
            }));
        var model = pipeline.Fit(train);
        try
        {
            var zip = ml.Model.SaveAtomically(model, train.Schema, Path.Combine(_folder, "resnet18.zip"));
            var rows = Path.Combine(_folder, "resnet18-test.idv");
            using (var file = File.Create(rows)) ml.Data.SaveAsBinary(ml.Data.LoadImageFolder(WritePngs(MnistSplit.Test, TestImages)), file);
            var original = ScoredRows.Read(ml, model.Transform(ml.Data.LoadFromBinary(rows)));

            var consumer = AssertSameInPlainProcess("resnet18 (3×32×32 from PNG files)", zip, rows, original);
            foreach (var transform in new[] { "ImageLoadingTransformer", "ImageResizingTransformer", "ImagePixelExtractingTransformer", "ExpressionTransformer", "ValueToKeyMappingTransformer" })
                Assert.IsTrue(consumer.Transformers.Any(t => t.Contains(transform, StringComparison.Ordinal)), $"the saved pipeline keeps its {transform}");
        }
        finally
        {
            foreach (var transformer in model) (transformer as IDisposable)?.Dispose();
        }
    }

    private static ConsumerResult AssertSameInPlainProcess(string name, string zip, string rows, ScoredRows original)
    {
        var consumer = PlainConsumerProcess.Run(zip, rows, _folder);
        var worst = ScoredRows.LargestDifference(original.Scores, consumer.Scores);
        Console.WriteLine($"{name}: zip {new FileInfo(zip).Length:N0} bytes; {consumer.Rows:N0} rows; micro-accuracy original {original.Metrics.MicroAccuracy:P2}, " +
                          $"plain ML.NET process {consumer.MicroAccuracy:P2}; macro {original.Metrics.MacroAccuracy:P2} / {consumer.MacroAccuracy:P2}; " +
                          $"log-loss {original.Metrics.LogLoss:F5} / {consumer.LogLoss:F5}; largest Score difference {worst:G3}");

        Assert.AreEqual(TestImages, consumer.Rows);
        Assert.IsGreaterThan(3, consumer.PredictedLabels.Distinct().Count(), "a model that predicts one class would compare too little");
        Assert.IsLessThanOrEqualTo(ScoreTolerance, worst, "Score per slot, every row");
        var different = ScoredRows.DifferentPredictions(original.PredictedKeys, consumer.PredictedKeys);
        Assert.IsEmpty(different, $"PredictedLabel differs on rows {string.Join(", ", different.Take(10))}");
        Assert.AreEqual(original.Metrics.MicroAccuracy, consumer.MicroAccuracy, "micro-accuracy");
        Assert.AreEqual(original.Metrics.MacroAccuracy, consumer.MacroAccuracy, "macro-accuracy");
        Assert.AreEqual(original.Metrics.LogLoss, consumer.LogLoss, 1e-4, "log-loss");
        Assert.AreEqual("Key<UInt32, 0-9>", consumer.PredictedLabelType);
        Assert.AreEqual("Vector<Single, 10>", consumer.ScoreType);

        Assert.IsEmpty(consumer.Assemblies.Where(a => a.StartsWith("CnnMl", StringComparison.OrdinalIgnoreCase)).ToList(), "no CnnMl assembly in the consumer");
        Assert.Contains("Microsoft.ML.OnnxTransformer", consumer.Assemblies);
        Assert.IsEmpty(consumer.Transformers.Where(t => t.Contains("CnnMl", StringComparison.Ordinal)).ToList(), "no CnnMl type in the loaded model");
        return consumer;
    }

    /// <summary>The first <paramref name="count"/> digits of <paramref name="split"/> as 28×28 PNGs in a folder per digit; returns the folder.</summary>
    private static string WritePngs(MnistSplit split, int count)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, $"png-{split}")).FullName;
        DigitImageFiles.WriteFolder(folder, MnistDataset.Load(_mnist, split, count), 0, count, side: 28);
        return folder;
    }
}
