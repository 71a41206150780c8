using System.Globalization;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Optimizers;
using CnnMl.Persistence;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace CnnMl.Tests.Serving;

/// <summary>
/// The small models the serving tests serve, trained once per test process in-process (mnist-cnn, 1 epoch) and saved
/// as <c>cnnml train --out</c> saves them (the network, then <c>MapKeyToValue(PredictedLabel)</c>, through
/// <c>SaveAtomically</c>): two MNIST-vector models with different weights (for hot reload) and one image-folder model
/// (its pipeline starts with <c>LoadImages</c> on a path), plus MNIST test digits to send.
/// </summary>
internal sealed class ServingModels
{
    private static readonly Lazy<ServingModels> Shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private ServingModels(string folder, MnistDataset test)
    {
        Folder = folder;
        Test = test;
    }

    /// <summary>The folder holding the zips (deleted when the test process exits).</summary>
    public string Folder { get; }

    /// <summary>mnist-cnn on the first 1,000 MNIST training images, seed 1: reads <c>Image</c>, 784 floats.</summary>
    public string VectorModel => Path.Combine(Folder, "vector-a.zip");

    /// <summary>The same network on the next 300 images, seed 2: other weights, the same input.</summary>
    public string OtherVectorModel => Path.Combine(Folder, "vector-b.zip");

    /// <summary>
    /// mnist-cnn behind <c>CnnImageInputFromImage(1×28×28)</c>, trained on 300 digits written as PNGs and saved as
    /// <c>cnnml train --images</c> saves: reads <c>ImageSource</c>, an image's encoded bytes (decoded by the caller).
    /// </summary>
    public string ImageModel => Path.Combine(Folder, "image.zip");

    /// <summary>The same network behind <c>CnnImageInput(1×28×28)</c>, whose saved pipeline starts with <c>LoadImages</c>: reads <c>ImagePath</c>.</summary>
    public string PathImageModel => Path.Combine(Folder, "image-path.zip");

    /// <summary>MNIST's test set (the digits sent in requests).</summary>
    public MnistDataset Test { get; }

    /// <summary>Test digit <paramref name="index"/>, as MNIST's loader gives it: 784 values / 255.</summary>
    public float[] Vector(int index) => Test.Pixels.AsSpan(index * 784, 784).ToArray().Select(b => b / 255f).ToArray();

    /// <summary>Test digit <paramref name="index"/> encoded as <paramref name="extension"/> (.png, .jpg, .bmp) at <paramref name="side"/>.</summary>
    public byte[] Encoded(int index, string extension = ".png", int side = 28)
    {
        if (extension == ".bmp") return Bmp(Test.Pixels.AsSpan(index * 784, 784), 28);
        var path = Path.Combine(Folder, $"digit-{index}-{side}-{Guid.NewGuid():N}{extension}");
        var gray = Test.Pixels.AsSpan(index * 784, 784);
        DigitImageFiles.WriteGrayscale(path, side == 28 ? gray : DigitImageFiles.Upscale(gray, 28, side), side);
        try
        {
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// A 24-bit BMP of a square grayscale image (MLImage saves no BMP): the 14-byte file header, a 40-byte
    /// BITMAPINFOHEADER, then the rows bottom-up, each padded to 4 bytes, B G R per pixel.
    /// </summary>
    public static byte[] Bmp(ReadOnlySpan<byte> gray, int side)
    {
        var row = (side * 3 + 3) / 4 * 4;
        var bytes = new byte[54 + row * side];
        "BM"u8.CopyTo(bytes);
        BitConverter.TryWriteBytes(bytes.AsSpan(2), bytes.Length);
        BitConverter.TryWriteBytes(bytes.AsSpan(10), 54);
        BitConverter.TryWriteBytes(bytes.AsSpan(14), 40);
        BitConverter.TryWriteBytes(bytes.AsSpan(18), side);
        BitConverter.TryWriteBytes(bytes.AsSpan(22), side);
        BitConverter.TryWriteBytes(bytes.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(bytes.AsSpan(28), (short)24);
        BitConverter.TryWriteBytes(bytes.AsSpan(34), row * side);
        for (var y = 0; y < side; y++)
        {
            for (var x = 0; x < side; x++)
            {
                var at = 54 + (side - 1 - y) * row + 3 * x;
                bytes[at] = bytes[at + 1] = bytes[at + 2] = gray[y * side + x];
            }
        }
        return bytes;
    }

    /// <summary>Trains once per test process.</summary>
    public static ServingModels Get() => Shared.Value;

    /// <summary>The scores plain ML.NET gives <paramref name="vectors"/> with the zip at <paramref name="path"/> (one batch Transform).</summary>
    public static float[][] Scores(string path, IEnumerable<float[]> vectors)
    {
        var ml = new MLContext();
        var model = ml.Model.LoadVerified(path, out _);
        try
        {
            var rows = ml.Data.LoadFromEnumerable(vectors.Select(v => new ImageRow { Image = v }).ToList());
            return model.Transform(rows).GetColumn<float[]>("Score").ToArray();
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// The scores plain ML.NET gives each of <paramref name="images"/> (encoded bytes) with the zip at <paramref name="path"/>,
    /// as docs/image-bytes.md shows a web app doing it: <c>Model.Load</c> (not CnnMl's verified loader), the bytes decoded
    /// with <c>MLImage.CreateFromStream</c>, one <c>PredictionEngine</c> call per image.
    /// </summary>
    public static float[][] BytesScores(string path, IEnumerable<byte[]> images)
    {
        var ml = new MLContext();
        var model = ml.Model.Load(path, out _);
        try
        {
            using var engine = ml.Model.CreatePredictionEngine<EncodedImageRow, ScoreRow>(model);
            return images.Select(bytes =>
            {
                using var image = Microsoft.ML.Data.MLImage.CreateFromStream(new MemoryStream(bytes));
                return engine.Predict(new EncodedImageRow { ImageSource = image }).Score;
            }).ToArray();
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    private static ServingModels Create()
    {
        var data = TestPaths.RequireMnist();
        var folder = Directory.CreateTempSubdirectory("cnnml-serving-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        };
        var models = new ServingModels(folder, MnistDataset.Load(data, MnistSplit.Test, maxRows: 500));
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(data, MnistSplit.Train, 1_300);
        SaveVectorModel(ml, ml.Data.TakeRows(train, 1_000), seed: 1, models.VectorModel);
        SaveVectorModel(ml, ml.Data.SkipRows(train, 1_000), seed: 2, models.OtherVectorModel);
        var images = Path.Combine(folder, "train-images");
        DigitImageFiles.WriteFolder(images, MnistDataset.Load(data, MnistSplit.Train, maxRows: 300), first: 0, count: 300, side: 28);
        SaveImageModels(ml, images, models.ImageModel, models.PathImageModel);
        return models;
    }

    private static CnnTrainerOptions Options(int seed, string features = "Image") => new()
    {
        Architecture = CnnArchitectures.MnistCnn, Epochs = 1, BatchSize = 32, Optimizer = new Adam { LearningRate = 1e-3 }, Seed = seed, ReportEveryBatches = 0,
        FeatureColumnName = features,
    };

    private static void SaveVectorModel(MLContext ml, IDataView train, int seed, string path)
    {
        var pipeline = ml.MulticlassClassification.Trainers.Cnn(Options(seed))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        using var model = pipeline.Fit(train);
        ml.Model.SaveAtomically(model, train.Schema, path);
    }

    private static void SaveImageModels(MLContext ml, string images, string bytesPath, string pathPath)
    {
        var rows = ImageFolder.Load(images).ToDataView(ml);
        var labels = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(rows);
        var train = labels.Transform(rows);
        // As cnnml train --images saves: ML.NET's LoadImages decodes the files into ImageSource and is left out of the
        // zip, which starts at the decoded image (SaveAtomically records ImageSource as the encoded bytes).
        var decoded = ml.Transforms.LoadImages(ImageInputCatalog.ImageSourceColumnName, "", ImageInputCatalog.ImagePathColumnName).Fit(train).Transform(train);
        var fromBytes = ml.Transforms.CnnImageInputFromImage(KnownInputs.Mnist)
            .Append(ml.MulticlassClassification.Trainers.Cnn(Options(3, ImageInputCatalog.FeaturesColumnName)))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        using (var model = fromBytes.Fit(decoded))
            ml.Model.SaveAtomically(model, ml.Transforms.SelectColumns(ImageInputCatalog.ImageSourceColumnName).Fit(decoded).Transform(decoded).Schema, bytesPath);
        var fromPaths = ml.Transforms.CnnImageInput(KnownInputs.Mnist)
            .Append(ml.MulticlassClassification.Trainers.Cnn(Options(3, ImageInputCatalog.FeaturesColumnName)))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        using (var model = fromPaths.Fit(train))
            ml.Model.SaveAtomically(model, train.Schema, pathPath);
    }

    private sealed class EncodedImageRow
    {
        [Microsoft.ML.Transforms.Image.ImageType(1, 1)]
        public Microsoft.ML.Data.MLImage? ImageSource { get; set; }
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
    }

    private sealed class ImageRow
    {
        [VectorType(784)]
        public float[] Image { get; set; } = [];
    }

    /// <summary>"0".."9".</summary>
    public static string[] Digits { get; } = Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();
}
