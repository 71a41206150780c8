using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Persistence;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Tests.Data;

/// <summary>
/// Image models that read an image's encoded bytes (<c>CnnImageInputFromImage</c>, Model Builder's
/// <c>ModelInput { byte[] ImageSource }</c>): the bytes decoded by <c>MLImage.CreateFromStream</c> give exactly the
/// pixels of the path route (<c>CnnImageInput</c>: <c>LoadImages</c> of the file), bit for bit, on real images — MNIST
/// digits as grayscale PNGs, digits on colored backgrounds as JPEGs, and the repository's own plots (RGBA PNGs of
/// other sizes and aspect ratios) — and a zip saved with an image column records it as the encoded bytes, loads back
/// with it, and scores the bytes in plain ML.NET exactly as the path zip scores the files.
/// </summary>
[TestClass]
public sealed class ImageBytesInputTests
{
    private static TemporaryFolder _folder = null!;
    private static string[] _files = [];

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        _folder = new TemporaryFolder("cnnml-bytes");
        var digits = MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Test, 40);
        DigitImageFiles.WriteFolder(_folder.File("gray"), digits, 0, 20, side: 28);
        DigitImageFiles.WriteFolder(_folder.File("color"), digits, 20, 20, side: 40, DigitImageFiles.Style.ColoredBackground, ".jpg");
        var plots = Directory.CreateDirectory(_folder.File("plots")).FullName;
        foreach (var plot in new[] { "edge-detection-input.png", "confusion-matrix.png", "first-conv-kernels.png" })
            File.Copy(Path.Combine(TestPaths.RepositoryRoot, "docs", "console", plot), Path.Combine(plots, plot));
        _files = Directory.GetFiles(_folder.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
    }

    [ClassCleanup]
    public static void Delete() => _folder?.Dispose();

    [TestMethod]
    [DataRow(1, ImageResizingEstimator.ResizingKind.IsoCrop, false)]
    [DataRow(3, ImageResizingEstimator.ResizingKind.IsoCrop, false)]
    [DataRow(3, ImageResizingEstimator.ResizingKind.Fill, true)]
    [DataRow(1, ImageResizingEstimator.ResizingKind.IsoPad, false)]
    public void BytesDecodedWithMLImageGiveThePathRoutesPixelsBitForBit(int channels, ImageResizingEstimator.ResizingKind resizing, bool imageNet)
    {
        var ml = new MLContext(seed: 1);
        var shape = new ImageShape(channels, 24, 32);
        var normalization = imageNet ? channels == 3 ? PixelNormalization.ImageNet : null : null;
        var paths = ml.Data.LoadFromEnumerable(_files.Select(f => new LabeledImage { ImagePath = f }));
        var fromPaths = ml.Transforms.CnnImageInput(shape, normalization: normalization, resizing: resizing).Fit(paths).Transform(paths)
            .GetColumn<float[]>(ImageInputCatalog.FeaturesColumnName).ToArray();

        var images = _files.Select(f => MLImage.CreateFromStream(new MemoryStream(File.ReadAllBytes(f)))).ToList();
        try
        {
            var rows = ml.Data.LoadFromEnumerable(images.Select(i => new ImageRow { ImageSource = i }));
            var fromBytes = ml.Transforms.CnnImageInputFromImage(shape, normalization: normalization, resizing: resizing).Fit(rows).Transform(rows)
                .GetColumn<float[]>(ImageInputCatalog.FeaturesColumnName).ToArray();

            Assert.HasCount(_files.Length, fromBytes);
            for (var i = 0; i < _files.Length; i++)
            {
                Assert.HasCount((int)shape.ElementCount, fromBytes[i]);
                var different = Enumerable.Range(0, fromBytes[i].Length)
                    .Count(k => BitConverter.SingleToInt32Bits(fromBytes[i][k]) != BitConverter.SingleToInt32Bits(fromPaths[i][k]));
                Assert.AreEqual(0, different, $"{_files[i]}: {different} of {fromBytes[i].Length} values differ between bytes and path");
            }
            // Not a vacuous comparison: the images differ from one another and are not blank.
            Assert.AreEqual(_files.Length, fromBytes.Select(f => string.Join(',', f.Take(400))).Distinct().Count(), "every image has its own pixels");
            Assert.IsTrue(fromBytes.All(f => f.Max() > f.Min()), "no image is uniform");
        }
        finally
        {
            images.ForEach(i => i.Dispose());
        }
    }

    [TestMethod]
    public void ASavedBytesModelRecordsItsImageColumnAndScoresBytesInPlainMlNetAsThePathModelScoresFiles()
    {
        var ml = new MLContext(seed: 1);
        var shape = new ImageShape(3, 28, 28);
        var folder = ml.Data.LoadImageFolder(_folder.File("color"));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(folder).Transform(folder);
        var pathInput = ml.Transforms.CnnImageInput(shape).Fit(keyed);
        using var network = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = CnnArchitectures.LeNet5, ImageShape = shape, FeatureColumnName = ImageInputCatalog.FeaturesColumnName,
            Epochs = 1, BatchSize = 8, ReportEveryBatches = 0,
        }).Fit(pathInput.Transform(keyed));

        // The same network behind the two chains: paths (LoadImages first) and decoded images.
        var loaded = ml.Transforms.LoadImages(ImageInputCatalog.ImageSourceColumnName, "", ImageInputCatalog.ImagePathColumnName).Fit(keyed).Transform(keyed);
        var bytesInput = ml.Transforms.CnnImageInputFromImage(shape).Fit(loaded);
        var pathZip = ml.Model.SaveAtomically(new TransformerChain<ITransformer>(pathInput, network), keyed.Schema, _folder.File("path.zip"));
        var bytesSchema = ml.Transforms.SelectColumns(ImageInputCatalog.ImageSourceColumnName).Fit(loaded).Transform(loaded).Schema;
        var bytesZip = ml.Model.SaveAtomically(new TransformerChain<ITransformer>(bytesInput, network), bytesSchema, _folder.File("bytes.zip"));

        // Plain ML.NET sees the column as the encoded bytes, annotated; the verified load gives the image column back.
        var plain = new MLContext();
        var plainModel = plain.Model.Load(bytesZip, out var savedSchema);
        var saved = savedSchema[ImageInputCatalog.ImageSourceColumnName];
        Assert.AreEqual("Vector<Byte>", saved.Type.ToString());
        Assert.IsNotNull(saved.Annotations.Schema.GetColumnOrNull("EncodedImage"));
        using (var verified = (IDisposable)plain.Model.LoadVerified(bytesZip, out var verifiedSchema))
            Assert.IsInstanceOfType<ImageDataViewType>(verifiedSchema[ImageInputCatalog.ImageSourceColumnName].Type);

        var files = Directory.GetFiles(_folder.File("color"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var pathModel = plain.Model.Load(pathZip, out _);
        var pathScores = pathModel.Transform(plain.Data.LoadFromEnumerable(files.Select(f => new LabeledImage { ImagePath = f, Label = "0" })))
            .GetColumn<float[]>("Score").ToArray();
        var engine = plain.Model.CreatePredictionEngine<ImageRow, ScoreRow>(plainModel);
        var labels = new HashSet<uint>();
        for (var i = 0; i < files.Length; i++)
        {
            using var image = MLImage.CreateFromStream(new MemoryStream(File.ReadAllBytes(files[i])));
            var scored = engine.Predict(new ImageRow { ImageSource = image });
            CollectionAssert.AreEqual(pathScores[i], scored.Score, $"{files[i]}: the bytes' Score vs the path's");
            labels.Add(scored.PredictedLabel);
        }
        Console.WriteLine($"{files.Length} JPEGs: bytes and paths give the same Score; {labels.Count} distinct predicted labels");
        Assert.IsTrue(pathScores.Select(s => string.Join(',', s)).Distinct().Count() > 1, "the network tells the images apart");
        (pathModel as IDisposable)?.Dispose();
        (plainModel as IDisposable)?.Dispose();
    }

    private sealed class ImageRow
    {
        [ImageType(28, 28)]
        public MLImage? ImageSource { get; set; }
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }
}
