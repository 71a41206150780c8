using CnnMl.Architectures;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Tests.Integration;

/// <summary>
/// The trainer composes with ML.NET's own transforms the way an ML.NET user writes them: image files on
/// disk → LoadImages → ResizeImages → ConvertToGrayscale → ExtractPixels, text labels → MapValueToKey,
/// and CrossValidate over the whole pipeline.
/// </summary>
[TestClass]
public sealed class ImagePipelineTests
{
    private static string _folder = "";

    private sealed class ImageFile
    {
        public string Path { get; set; } = "";

        public string Label { get; set; } = "";
    }

    private sealed class Prediction
    {
        public string PredictedLabel { get; set; } = "";
    }

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        _folder = Directory.CreateTempSubdirectory("cnnml-images-").FullName;
        CircleBarImages.Write(_folder, 120, seed: 5);
    }

    [ClassCleanup]
    public static void DeleteImages() => Directory.Delete(_folder, recursive: true);

    private static (MLContext Ml, IDataView Files, IEstimator<ITransformer> Pipeline) Build()
    {
        var ml = new MLContext(seed: 2);
        var files = ml.Data.LoadFromEnumerable(Directory.GetFiles(_folder, "*.png").Order()
            .Select(p => new ImageFile { Path = p, Label = Path.GetFileName(p).Split('-')[0] }));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.LoadImages("Picture", imageFolder: "", inputColumnName: nameof(ImageFile.Path)))
            .Append(ml.Transforms.ResizeImages("Picture", 28, 28))
            .Append(ml.Transforms.ConvertToGrayscale("Picture"))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Picture", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
            .Append(ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                FeatureColumnName = "Pixels", Architecture = CnnArchitectures.MnistCnn, ImageShape = new ImageShape(1, 28, 28),
                Epochs = 4, BatchSize = 16, ReportEveryBatches = 0,
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        return (ml, files, pipeline);
    }

    private static void DisposeAll(ITransformer model)
    {
        foreach (var transformer in (IEnumerable<ITransformer>)model) (transformer as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void ImageFilesTrainAndPredictTheirTextLabels()
    {
        var (ml, files, pipeline) = Build();
        var split = ml.Data.TrainTestSplit(files, testFraction: 0.25, seed: 1);
        var model = pipeline.Fit(split.TrainSet);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
        Assert.IsGreaterThanOrEqualTo(0.9, metrics.MicroAccuracy, $"micro-accuracy {metrics.MicroAccuracy}");

        var engine = ml.Model.CreatePredictionEngine<ImageFile, Prediction>(model);
        var circle = Directory.GetFiles(_folder, "circle-*.png").Order().First();
        Assert.AreEqual("circle", engine.Predict(new ImageFile { Path = circle }).PredictedLabel);
        DisposeAll(model);
    }

    [TestMethod]
    public void CrossValidateRunsTheWholePipelinePerFold()
    {
        var (ml, files, pipeline) = Build();
        var folds = ml.MulticlassClassification.CrossValidate(files, pipeline, numberOfFolds: 3);
        Assert.AreEqual(3, folds.Count);
        foreach (var fold in folds)
        {
            Assert.IsGreaterThanOrEqualTo(0.8, fold.Metrics.MicroAccuracy, $"fold {fold.Fold}: {fold.Metrics.MicroAccuracy}");
            DisposeAll(fold.Model);
        }
    }
}
