using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Tests.Integration;

/// <summary>
/// The image column's dimensions, as ExtractPixels sets them, decide the shape: channels first (C×H×W) is
/// taken as is when ImageShape is unset and must agree with it when set; channels last (H×W×C, from
/// <c>interleavePixelColors: true</c>) is refused with the call to use, except with one channel, where both
/// layouts are the same values in the same order and training gives the same network.
/// </summary>
[TestClass]
public sealed class ChannelLayoutTests
{
    private static string _folder = "";

    private sealed class ImageFile
    {
        public string Path { get; set; } = "";

        public string Label { get; set; } = "";
    }

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        _folder = Directory.CreateTempSubdirectory("cnnml-layout-").FullName;
        CircleBarImages.Write(_folder, 120, seed: 5);
    }

    [ClassCleanup]
    public static void DeleteImages() => Directory.Delete(_folder, recursive: true);

    private static (MLContext Ml, DataOperationsCatalog.TrainTestData Split) Data()
    {
        var ml = new MLContext(seed: 2);
        var files = ml.Data.LoadFromEnumerable(Directory.GetFiles(_folder, "*.png").Order()
            .Select(p => new ImageFile { Path = p, Label = Path.GetFileName(p).Split('-')[0] }));
        return (ml, ml.Data.TrainTestSplit(files, testFraction: 0.25, seed: 1));
    }

    private static IEstimator<ITransformer> Pixels(MLContext ml, bool gray, bool interleave)
    {
        var images = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.LoadImages("Picture", imageFolder: "", inputColumnName: nameof(ImageFile.Path)))
            .Append(ml.Transforms.ResizeImages("Picture", 28, 28));
        return gray
            ? images.Append(ml.Transforms.ConvertToGrayscale("Picture"))
                .Append(ml.Transforms.ExtractPixels("Pixels", "Picture", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, interleavePixelColors: interleave, scaleImage: 1f / 255))
            : images.Append(ml.Transforms.ExtractPixels("Pixels", "Picture", interleavePixelColors: interleave, scaleImage: 1f / 255));
    }

    private static CnnTrainerOptions Options(ImageShape? shape = null) => new()
    {
        FeatureColumnName = "Pixels", Architecture = CnnArchitectures.MnistCnn, ImageShape = shape,
        Epochs = 4, BatchSize = 16, ReportEveryBatches = 0, Seed = 3,
    };

    private const string ChannelsLastMessage =
        "Image column 'Pixels' is Vector<Single, 28, 28, 3>: height × width × channels (channels last), as ExtractPixels(interleavePixelColors: true) makes it; " +
        "architecture 'mnist-cnn' reads channels first (3x28x28). Extract the pixels with " +
        "mlContext.Transforms.ExtractPixels(\"Pixels\", <image column>, interleavePixelColors: false), the default.";

    [TestMethod]
    [DataRow(true, DisplayName = "ImageShape 3x28x28")]
    [DataRow(false, DisplayName = "no ImageShape")]
    public void ChannelsLastColorPixelsAreRefusedWithTheExtractPixelsCallToUse(bool setShape)
    {
        var (ml, split) = Data();
        var pixels = Pixels(ml, gray: false, interleave: true).Fit(split.TrainSet).Transform(split.TrainSet);
        var trainer = ml.MulticlassClassification.Trainers.Cnn(Options(setShape ? new ImageShape(3, 28, 28) : null));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(pixels));
        StringAssert.StartsWith(ex.Message, ChannelsLastMessage);
    }

    [TestMethod]
    public void WithoutImageShapeTheShapeComesFromTheColumnAndScoringChecksTheLayout()
    {
        var (ml, split) = Data();
        using var model = Pixels(ml, gray: false, interleave: false)
            .Append(ml.MulticlassClassification.Trainers.Cnn(Options()))
            .Fit(split.TrainSet);
        var cnn = model.OfType<CnnTransformer>().Single();
        Assert.AreEqual(new ImageShape(3, 28, 28), cnn.Definition.ImageShape);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
        Assert.IsGreaterThanOrEqualTo(0.9, metrics.MicroAccuracy, $"micro-accuracy {metrics.MicroAccuracy}");

        // The model reads channels first; channels-last pixels of the same size are refused at scoring too.
        var interleaved = Pixels(ml, gray: false, interleave: true).Fit(split.TestSet).Transform(split.TestSet);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => cnn.Transform(interleaved));
        StringAssert.StartsWith(ex.Message, ChannelsLastMessage);
    }

    [TestMethod]
    public void OneChannelInterleavedTrainsTheSameNetworkAsChannelsFirst()
    {
        using var oneThread = TorchThreads.Use(1);
        var (ml, split) = Data();
        float[][] Scores(bool interleave, out double accuracy, out ImageShape shape)
        {
            var features = Pixels(ml, gray: true, interleave).Fit(split.TrainSet);
            Assert.AreEqual(interleave ? "Vector<Single, 28, 28, 1>" : "Vector<Single, 1, 28, 28>", features.GetOutputSchema(split.TrainSet.Schema)["Pixels"].Type.ToString());
            using var cnn = ml.MulticlassClassification.Trainers.Cnn(Options()).Fit(features.Transform(split.TrainSet));
            shape = cnn.Definition.ImageShape;
            var scored = cnn.Transform(features.Transform(split.TestSet));
            accuracy = ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
            return scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        }

        var planar = Scores(interleave: false, out var planarAccuracy, out var planarShape);
        var interleaved = Scores(interleave: true, out var interleavedAccuracy, out var interleavedShape);
        Assert.AreEqual(new ImageShape(1, 28, 28), planarShape);
        Assert.AreEqual(new ImageShape(1, 28, 28), interleavedShape);
        Assert.IsGreaterThanOrEqualTo(0.9, planarAccuracy);
        Assert.AreEqual(planarAccuracy, interleavedAccuracy);
        Assert.HasCount(planar.Length, interleaved);
        for (var i = 0; i < planar.Length; i++) CollectionAssert.AreEqual(planar[i], interleaved[i], $"row {i}");
    }

    [TestMethod]
    public void DimensionsOfAnotherShapeWithTheSameSizeAreRefused()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Image", new VectorDataViewType(NumberDataViewType.Single, 4, 14, 14));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            InputSchemaValidator.CheckFeatures(builder.ToSchema(), "Image", "mnist-cnn", new ImageShape(1, 28, 28)));
        StringAssert.StartsWith(ex.Message, "Image column 'Image' is Vector<Single, 4, 14, 14>: 4x14x14, but architecture 'mnist-cnn' is set up for 1x28x28 (channels first).");
    }
}
