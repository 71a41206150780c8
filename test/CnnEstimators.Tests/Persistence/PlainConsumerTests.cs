using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Optimizers;
using CnnMl.Persistence;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Tests.Persistence;

/// <summary>
/// The deployment promise: a model zip saved from a pipeline with a <see cref="Scoring.CnnTransformer"/> is loaded by
/// a separate process that references only ML.NET's packages (test/CnnMl.PlainConsumer, no CnnMl assembly), on
/// ML.NET 6.0.0 (the project's) and on 5.0.1 (users who have not moved), which scores 1,000 real MNIST test images with
/// the same Score (1e-5), the same PredictedLabel on every row and the same Evaluate metrics as the transformer that
/// was saved. Every zip is made once, in <see cref="TrainSaveAndScoreInPlainProcesses"/>, and scored by one process per
/// ML.NET version. Training budgets are small (1–3 epochs on 2,000 images): these tests are about persistence, not
/// accuracy, but each model must predict more than 3 classes, or the comparison of predicted labels would prove little.
/// </summary>
/// <remarks>
/// Image files: ML.NET's <c>ResizeImages</c> resamples <c>IsoCrop</c> and <c>IsoPad</c> with a cubic filter that
/// SkiaSharp 2.88 (ImageAnalytics 5.0.1) and SkiaSharp 3 (6.0.0) compute differently (see
/// <see cref="ImageStagesAcrossMlNetTests"/>); <c>Fill</c> (nearest neighbor) gives the same bytes in both. The
/// image pipeline (the seed CNN at 3×32×32 behind the library's image-input chain) is saved twice with one trained
/// network: with the chain it was trained with (IsoCrop, ML.NET's default) and with a Fill chain; the Fill zip scores
/// the same in both releases, the IsoCrop zip within the measured bound stated in
/// <see cref="IsoCropImageZipScoresWithinTheMeasuredBoundInMlNet5"/>. The image pipeline used to carry resnet18 (three
/// 41 MB zips; the class took 62–89 s, now about 48 s); the chain is what these tests are about, and the vector models
/// already take batch normalization and residual additions (biglittle, condensenet) through plain ML.NET.
/// </remarks>
[TestClass]
public sealed class PlainConsumerTests
{
    private const int TrainingImages = 2_000;
    private const int TestImages = 1_000;
    private const float ScoreTolerance = 1e-5f;
    private const string ImageIsoCrop = "image-isocrop";
    private const string ImageFill = "image-fill";
    private const string ImageBytes = "image-bytes";

    private static TemporaryFolder _folder = null!;
    private static string _mnist = "";
    private static readonly Dictionary<string, ScoredRows> Originals = [];
    private static readonly Dictionary<(string Zip, PlainMlNet Version), ConsumerResult> Consumed = [];

    // Budgets under which each network predicts many classes (cnnml train --train-limit 2000 --test-limit 1000):
    // the sigmoid LeNet predicts one class after 32 steps at 1e-3, or 96 steps at 1e-2 or 3e-3 (9.9%), and 65.3% after
    // 3 epochs at 3e-3 in batches of 16; condensenet and biglittle predict at most 3 classes after 32 steps at 1e-3
    // (15.7%, 27.1%), and 87.8% and 86.4% after 2 epochs at 3e-3. biglittle's loss turns NaN at 3e-3 for 2 of the
    // MLContext seeds 1–3 (cnnml train --arch biglittle --lr 0.003 --seed N, on ML.NET 5.0.1 as on 6.0.0), and here at
    // 1e-3 in the first batch after an epoch's short last batch (2,000 = 31 × 64 + 16): it trains in batches of 50.
    private static readonly (string Architecture, int Epochs, double LearningRate, int BatchSize)[] VectorModels =
    [
        (CnnArchitectures.MnistCnn, 1, 1e-3, 64),
        (CnnArchitectures.LeNet5, 3, 3e-3, 16),
        (CnnArchitectures.CondenseNet, 2, 3e-3, 64),
        (CnnArchitectures.BigLittle, 3, 1e-3, 50),
    ];

    [ClassInitialize]
    public static void TrainSaveAndScoreInPlainProcesses(TestContext _)
    {
        _mnist = TestPaths.RequireMnist();
        _folder = new TemporaryFolder("cnnml-consumer");
        var jobs = new List<ConsumerJob>();
        var ml = new MLContext(seed: 1);

        var vectorRows = _folder.File("mnist-test.idv");
        using (var file = File.Create(vectorRows)) ml.Data.SaveAsBinary(ml.Data.LoadMnist(_mnist, MnistSplit.Test, TestImages), file);
        foreach (var (architecture, epochs, learningRate, batchSize) in VectorModels)
        {
            // Each model's own context, data and seed, as in a run of its own: the budgets above were found so.
            ml = new MLContext(seed: 1);
            var train = ml.Data.LoadMnist(_mnist, MnistSplit.Train, TrainingImages);
            using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                Architecture = architecture, Epochs = epochs, Optimizer = new Adam { LearningRate = learningRate }, BatchSize = batchSize, ReportEveryBatches = 0,
            }).Fit(train);
            jobs.Add(Save(ml, architecture, model, train.Schema, vectorRows));
        }

        // Model Builder's folder layout and the library's image-input chain (LoadImages → ResizeImages → ExtractPixels →
        // Expression pixel / 255), all saved in the zip with the network.
        ml = new MLContext(seed: 1);
        var shape = new ImageShape(3, 32, 32);
        var images = ml.Data.LoadImageFolder(WritePngs(MnistSplit.Train, TrainingImages));
        var imageRows = _folder.File("png-test.idv");
        using (var file = File.Create(imageRows)) ml.Data.SaveAsBinary(ml.Data.LoadImageFolder(WritePngs(MnistSplit.Test, TestImages)), file);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.CnnImageInput(shape, outputColumnName: "Pixels"))
            .Append(ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                Architecture = CnnArchitectures.MnistCnn, ImageShape = shape, FeatureColumnName = "Pixels",
                Epochs = 1, BatchSize = 64, ReportEveryBatches = 0,
            }));
        var trained = pipeline.Fit(images);
        try
        {
            jobs.Add(Save(ml, ImageIsoCrop, trained, images.Schema, imageRows));
            // The same label map and network behind the chain that resizes with Fill.
            var steps = trained.ToArray();
            steps[1] = ml.Transforms.CnnImageInput(shape, outputColumnName: "Pixels", resizing: ImageResizingEstimator.ResizingKind.Fill).Fit(images);
            jobs.Add(Save(ml, ImageFill, new TransformerChain<ITransformer>(steps), images.Schema, imageRows));
            jobs.Add(SaveBytesModel(ml, trained, shape, images));
        }
        finally
        {
            foreach (var transformer in trained) (transformer as IDisposable)?.Dispose();
        }

        foreach (var (version, results) in PlainConsumerProcess.RunOnEveryRelease(jobs, _folder.Path))
        {
            for (var i = 0; i < jobs.Count; i++) Consumed[(Path.GetFileNameWithoutExtension(jobs[i].Model), version)] = results[i];
        }
    }

    [ClassCleanup]
    public static void Delete() => _folder?.Dispose();

    [TestMethod]
    [DataRow(CnnArchitectures.MnistCnn, PlainMlNet.V6)]
    [DataRow(CnnArchitectures.MnistCnn, PlainMlNet.V5)]
    [DataRow(CnnArchitectures.LeNet5, PlainMlNet.V6)]
    [DataRow(CnnArchitectures.LeNet5, PlainMlNet.V5)]
    [DataRow(CnnArchitectures.CondenseNet, PlainMlNet.V6)]
    [DataRow(CnnArchitectures.CondenseNet, PlainMlNet.V5)]
    [DataRow(CnnArchitectures.BigLittle, PlainMlNet.V6)]
    [DataRow(CnnArchitectures.BigLittle, PlainMlNet.V5)]
    public void MnistVectorModelScoresTheSameInAProcessWithoutCnnMl(string architecture, PlainMlNet version) =>
        AssertSame(architecture, version);

    [TestMethod]
    [DataRow(PlainMlNet.V6)]
    [DataRow(PlainMlNet.V5)]
    public void ImagePipelineWithFillResizingScoresTheSameInAProcessWithoutCnnMl(PlainMlNet version)
    {
        var consumer = AssertSame(ImageFill, version);
        AssertImageChainKept(consumer);
    }

    [TestMethod]
    public void ImagePipelineFromPngFilesScoresTheSameInAnMlNet6ProcessWithoutCnnMl()
    {
        var consumer = AssertSame(ImageIsoCrop, PlainMlNet.V6);
        AssertImageChainKept(consumer);
    }

    [TestMethod]
    // IsoCrop's cubic resampling gives a few pixels 1 level apart under ML.NET 5.0.1 when enlarging 28 → 32 (6 of
    // 614,400 values on 200 digits, ImageStagesAcrossMlNetTests): the Score moves a little, a label at most rarely.
    // The bound: 0.01 per Score slot, 2 labels of the 1,000, micro-accuracy within 0.2 points; docs/mlnet-versions.md
    // gives the figures this test printed.
    public void IsoCropImageZipScoresWithinTheMeasuredBoundInMlNet5()
    {
        var original = Originals[ImageIsoCrop];
        var consumer = Consumed[(ImageIsoCrop, PlainMlNet.V5)];
        AssertImageChainKept(consumer);
        var worst = ScoredRows.LargestDifference(original.Scores, consumer.Scores);
        var flipped = ScoredRows.DifferentPredictions(original.PredictedKeys, consumer.PredictedKeys);
        Console.WriteLine($"IsoCrop zip in ML.NET {consumer.MlNetVersion}: largest Score difference {worst:G3}; {flipped.Length} of {TestImages} labels differ; " +
                          $"micro-accuracy {original.Metrics.MicroAccuracy:P2} / {consumer.MicroAccuracy:P2}; log-loss {original.Metrics.LogLoss:F5} / {consumer.LogLoss:F5}");
        Assert.AreEqual(TestImages, consumer.Rows);
        Assert.IsLessThanOrEqualTo(0.01f, worst, "Score per slot, every row");
        Assert.IsLessThanOrEqualTo(2, flipped.Length, $"labels differ on rows {string.Join(", ", flipped)}");
        Assert.AreEqual(original.Metrics.MicroAccuracy, consumer.MicroAccuracy, 0.002, "micro-accuracy");
        Assert.IsEmpty(consumer.Assemblies.Where(a => a.StartsWith("CnnMl", StringComparison.OrdinalIgnoreCase)).ToList(), "no CnnMl assembly in the consumer");
    }

    [TestMethod]
    [DataRow(PlainMlNet.V6)]
    [DataRow(PlainMlNet.V5)]
    public void BytesZipScoresEncodedImagesInAPlainProcessExactlyAsThePathZipScoresTheFiles(PlainMlNet version)
    {
        // Same network, same chain after LoadImages (IsoCrop): the zip that reads decoded images, given each PNG's bytes
        // decoded in memory (MLImage.CreateFromStream) one by one through a PredictionEngine, against the zip that reads
        // paths, in the same ML.NET release: the same pixels, so the same Score bit for bit.
        var bytes = Consumed[(ImageBytes, version)];
        var paths = Consumed[(ImageIsoCrop, version)];
        Console.WriteLine($"{ImageBytes} in ML.NET {bytes.MlNetVersion}: {bytes.Rows:N0} encoded PNGs scored; input schema {string.Join(", ", bytes.InputSchema)}; " +
                          $"largest Score difference from the path zip {ScoredRows.LargestDifference(paths.Scores, bytes.Scores):G3}");
        Assert.AreEqual(TestImages, bytes.Rows);
        CollectionAssert.AreEqual(new[] { "ImageSource: Vector<Byte>" }, bytes.InputSchema, "the zip records its image column as the encoded bytes");
        for (var i = 0; i < TestImages; i++)
            CollectionAssert.AreEqual(paths.Scores[i], bytes.Scores[i], $"row {i}: Score from the bytes vs from the path");
        CollectionAssert.AreEqual(paths.PredictedKeys, bytes.PredictedKeys);
        Assert.IsGreaterThan(3, bytes.PredictedKeys.Distinct().Count(), "a model that predicts one class would compare too little");
        Assert.IsEmpty(bytes.Assemblies.Where(a => a.StartsWith("CnnMl", StringComparison.OrdinalIgnoreCase)).ToList(), "no CnnMl assembly in the consumer");
        Assert.IsFalse(bytes.Transformers.Any(t => t.Contains("ImageLoadingTransformer", StringComparison.Ordinal)), "the zip opens no file");
        Assert.IsTrue(bytes.Transformers.Any(t => t.Contains("ImageResizingTransformer", StringComparison.Ordinal)), "the zip resizes the decoded image");
    }

    // The trained network behind the chain that starts from decoded images (CnnImageInputFromImage, IsoCrop),
    // saved with an input schema of the ImageSource image column alone; its rows are the test PNGs' bytes.
    private static ConsumerJob SaveBytesModel(MLContext ml, IEnumerable<ITransformer> trained, ImageShape shape, IDataView images)
    {
        var decoded = ml.Transforms.LoadImages(ImageInputCatalog.ImageSourceColumnName, "", ImageInputCatalog.ImagePathColumnName).Fit(images).Transform(images);
        var input = ml.Transforms.CnnImageInputFromImage(shape, outputColumnName: "Pixels").Fit(decoded);
        var schema = ml.Transforms.SelectColumns(ImageInputCatalog.ImageSourceColumnName).Fit(decoded).Transform(decoded).Schema;
        var zip = ml.Model.SaveAtomically(new TransformerChain<ITransformer>(input, trained.ToArray()[2]), schema, _folder.File($"{ImageBytes}.zip"));
        var rows = _folder.File("png-test-bytes.idv");
        var files = Directory.GetFiles(Path.Combine(_folder.Path, $"png-{MnistSplit.Test}"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
        var encoded = ml.Data.LoadFromEnumerable(files.Select(f => new EncodedImage { ImageSource = File.ReadAllBytes(f) }));
        using (var file = File.Create(rows)) ml.Data.SaveAsBinary(encoded, file);
        return new ConsumerJob(zip, rows, _folder.File($"{ImageBytes}.json"), Bytes: ImageInputCatalog.ImageSourceColumnName);
    }

    private sealed class EncodedImage
    {
        public byte[] ImageSource { get; set; } = [];
    }

    private static ConsumerJob Save(MLContext ml, string name, ITransformer model, DataViewSchema schema, string rows)
    {
        var zip = ml.Model.SaveAtomically(model, schema, _folder.File($"{name}.zip"));
        Originals[name] = ScoredRows.Read(ml, model.Transform(ml.Data.LoadFromBinary(rows)));
        return new ConsumerJob(zip, rows, _folder.File($"{name}.json"));
    }

    private static ConsumerResult AssertSame(string name, PlainMlNet version)
    {
        var original = Originals[name];
        var consumer = Consumed[(name, version)];
        var worst = ScoredRows.LargestDifference(original.Scores, consumer.Scores);
        Console.WriteLine($"{name} in ML.NET {consumer.MlNetVersion}: zip {new FileInfo(_folder.File($"{name}.zip")).Length:N0} bytes; {consumer.Rows:N0} rows; micro-accuracy original {original.Metrics.MicroAccuracy:P2}, " +
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

    private static void AssertImageChainKept(ConsumerResult consumer)
    {
        foreach (var transform in new[] { "ImageLoadingTransformer", "ImageResizingTransformer", "ImagePixelExtractingTransformer", "ExpressionTransformer", "ValueToKeyMappingTransformer" })
            Assert.IsTrue(consumer.Transformers.Any(t => t.Contains(transform, StringComparison.Ordinal)), $"the saved pipeline keeps its {transform}");
    }

    /// <summary>The first <paramref name="count"/> digits of <paramref name="split"/> as 28×28 PNGs in a folder per digit; returns the folder.</summary>
    private static string WritePngs(MnistSplit split, int count)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder.Path, $"png-{split}")).FullName;
        DigitImageFiles.WriteFolder(folder, MnistDataset.Load(_mnist, split, count), 0, count, side: 28);
        return folder;
    }
}
