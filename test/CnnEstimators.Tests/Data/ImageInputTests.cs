using CnnMl.Data;
using CnnMl.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Tests.Data;

/// <summary>
/// <c>mlContext.Transforms.CnnImageInput</c> and <c>CnnImageInputFromGrayscale</c>: the column they write (type,
/// size), its values (exactly MNIST's loader's for an MNIST PNG; exact channel planes and ImageNet-normalized values
/// for a known color image), and their errors.
/// </summary>
[TestClass]
public sealed class ImageInputTests
{
    private const int Digits = 5;
    private static TemporaryFolder _folder = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext _) => _folder = new TemporaryFolder("cnnml-image-input");

    [ClassCleanup]
    public static void DeleteFolder() => _folder.Dispose();

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    private static float[][] Features(MLContext ml, IEstimator<ITransformer> chain, IDataView rows, out DataViewSchema.Column column)
    {
        var transformed = chain.Fit(rows).Transform(rows);
        column = transformed.Schema["Features"];
        return transformed.GetColumn<float[]>(column).ToArray();
    }

    private static IDataView Paths(MLContext ml, IEnumerable<string> paths) =>
        ml.Data.LoadFromEnumerable(paths.Select(p => new PathRow { ImagePath = p }).ToList());

    /// <summary>Solid-color PNG of <paramref name="side"/>² pixels.</summary>
    private static string SolidPng(string name, byte red, byte green, byte blue, int side = 6)
    {
        var bgra = new byte[side * side * 4];
        for (var i = 0; i < side * side; i++)
        {
            bgra[4 * i] = blue;
            bgra[4 * i + 1] = green;
            bgra[4 * i + 2] = red;
            bgra[4 * i + 3] = 255;
        }
        var path = _folder.File(name);
        using var image = MLImage.CreateFromPixels(side, side, MLPixelFormat.Bgra32, bgra);
        image.Save(path);
        return path;
    }

    private static (MnistDataset Digits, string[] Paths) MnistPngs()
    {
        var mnist = MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Test, Digits);
        var paths = Enumerable.Range(0, Digits).Select(i => _folder.File($"mnist-{i}.png")).ToArray();
        for (var i = 0; i < Digits; i++) DigitImageFiles.WriteGrayscale(paths[i], mnist.Pixels.AsSpan(i * 784, 784));
        return (mnist, paths);
    }

    [TestMethod]
    public void MnistPngsGiveExactlyTheMnistLoadersVectors()
    {
        var ml = new MLContext(seed: 1);
        var (mnist, paths) = MnistPngs();
        var features = Features(ml, ml.Transforms.CnnImageInput(KnownInputs.Mnist), Paths(ml, paths), out var column);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 784), column.Type, "a known-size vector of 1·28·28 floats");
        var expected = mnist.ToDataView().GetColumn<float[]>("Image").ToArray();
        for (var i = 0; i < Digits; i++)
            CollectionAssert.AreEqual(expected[i], features[i], $"digit {i}: pixel / 255, bit for bit as LoadMnist");
    }

    [TestMethod]
    public void ColorImageGivesChannelsFirstPlanesInRedGreenBlueOrder()
    {
        var ml = new MLContext(seed: 1);
        var path = SolidPng("orange.png", 255, 128, 0, side: 10);
        var features = Features(ml, ml.Transforms.CnnImageInput(new ImageShape(3, 4, 5)), Paths(ml, [path]), out var column);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 60), column.Type, "3·4·5");
        var planes = features[0].Chunk(20).ToArray();
        Assert.IsTrue(planes[0].All(v => v == 1f), "red plane first: 255 / 255");
        Assert.IsTrue(planes[1].All(v => v == 128f / 255f), "green plane: 128 / 255");
        Assert.IsTrue(planes[2].All(v => v == 0f), "blue plane last");
    }

    [TestMethod]
    public void OneChannelShapeConvertsAColorImageToGray()
    {
        var ml = new MLContext(seed: 1);
        var gray = SolidPng("gray.png", 77, 77, 77);
        var red = SolidPng("red.png", 255, 0, 0);
        var features = Features(ml, ml.Transforms.CnnImageInput(new ImageShape(1, 3, 3)), Paths(ml, [gray, red]), out var column);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 9), column.Type);
        Assert.IsTrue(features[0].All(v => v == 77f / 255f), $"a gray pixel stays its value: {string.Join(", ", features[0])}");
        var redAsGray = features[1][0];
        Assert.IsTrue(features[1].All(v => v == redAsGray));
        // ML.NET's grayscale weights red by about 0.3: pure red becomes a dark gray, neither black nor white.
        Assert.IsTrue(redAsGray is > 0.2f and < 0.4f, $"pure red as gray: {redAsGray}");
    }

    [TestMethod]
    public void ImageNetNormalizationGivesTorchvisionsValuesPerChannel()
    {
        var ml = new MLContext(seed: 1);
        var path = SolidPng("color.png", 255, 128, 0);
        var features = Features(ml, ml.Transforms.CnnImageInput(new ImageShape(3, 2, 2), normalization: PixelNormalization.ImageNet),
            Paths(ml, [path]), out var column);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 12), column.Type);
        // torchvision: ToTensor (byte / 255 in float32), then Normalize ((x - mean) / std in float32).
        float[] bytes = [255f, 128f, 0f];
        for (var c = 0; c < 3; c++)
        {
            var expected = (bytes[c] / 255f - PixelNormalization.ImageNet.Mean[c]) / PixelNormalization.ImageNet.Std[c];
            for (var p = 0; p < 4; p++)
                Assert.AreEqual(expected, features[0][c * 4 + p], 1e-6f, $"channel {c}, pixel {p}");
        }
        Assert.AreEqual((1f - 0.485f) / 0.229f, features[0][0], 1e-6f, "red: (1 − 0.485) / 0.229 = 2.2489");
        Assert.AreEqual((0f - 0.406f) / 0.225f, features[0][11], 1e-6f, "blue: −0.406 / 0.225 = −1.8044");
    }

    [TestMethod]
    public void GrayscaleVectorsResizeToAThreeChannelShapeWithTheGrayPlaneRepeated()
    {
        var ml = new MLContext(seed: 1);
        var (mnist, paths) = MnistPngs();
        var vectors = mnist.ToDataView();

        var same = Features(ml, ml.Transforms.CnnImageInputFromGrayscale(KnownInputs.Mnist, 28, 28), vectors, out _);
        var expected = vectors.GetColumn<float[]>("Image").ToArray();
        for (var i = 0; i < Digits; i++) CollectionAssert.AreEqual(expected[i], same[i], $"digit {i} at its own size: unchanged");

        var shape = new ImageShape(3, 32, 32);
        var resized = Features(ml, ml.Transforms.CnnImageInputFromGrayscale(shape, 28, 28), vectors, out var column);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3 * 32 * 32), column.Type);
        // The same digit as a PNG file through CnnImageInput (stretched, as the vector is) gives the same gray plane.
        var fromFiles = Features(ml, ml.Transforms.CnnImageInput(new ImageShape(1, 32, 32), resizing: ImageResizingEstimator.ResizingKind.Fill),
            Paths(ml, paths), out _);
        for (var i = 0; i < Digits; i++)
        {
            var planes = resized[i].Chunk(1024).ToArray();
            CollectionAssert.AreEqual(planes[0], planes[1], $"digit {i}: green = red");
            CollectionAssert.AreEqual(planes[0], planes[2], $"digit {i}: blue = red");
            CollectionAssert.AreEqual(fromFiles[i], planes[0], $"digit {i}: the vector resized as its PNG file is");
            Assert.IsTrue(planes[0].Max() > 0.9f && planes[0].Min() == 0f, $"digit {i}: a white digit on black survives the resize");
        }
    }

    [TestMethod]
    public void ShapesThatAreNotGrayOrRgbImagesAreRefusedNamingTheShape()
    {
        var ml = new MLContext();
        var twoChannels = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.CnnImageInput(new ImageShape(2, 28, 28)));
        StringAssert.Contains(twoChannels.Message, "got 2x28x28");
        var volume = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.CnnImageInputFromGrayscale(KnownInputs.MnistClip, 28, 28));
        StringAssert.Contains(volume.Message, "got 1x8x28x28");
        var mismatch = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.CnnImageInput(KnownInputs.Mnist, normalization: PixelNormalization.ImageNet));
        StringAssert.Contains(mismatch.Message, "is for 3 channel(s); the input 1x28x28 has 1");
    }

    [TestMethod]
    public void NormalizationValuesAreChecked()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new PixelNormalization([0.5f, 0.5f], [0.2f])).Message, "2 mean(s) and 1 standard deviation(s)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new PixelNormalization([0.5f], [0f])).Message, "Standard deviation of channel 0 is 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new PixelNormalization([float.NaN], [1f])).Message, "Mean of channel 0 is NaN");
        Assert.AreEqual("mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)", PixelNormalization.ImageNet.ToString());
    }
}
