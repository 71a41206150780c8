using System.Text.Json;
using CnnMl.Data;
using CnnMl.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// <c>cnnml train --images DIR</c> on Model Builder's folder layout (issue 9, "Image folders"), each step a new process:
/// train on 600 MNIST digits written as 40×40 grayscale PNGs (1 epoch: these tests are about the plumbing; the
/// accuracy tests are <see cref="ImageFolderEvaluationTests"/>), with the stratified held-out split stated; then
/// <c>predict</c> and <c>evaluate --images</c> on 100 other digits' files agree with a batch <c>Transform</c> of the
/// saved zip by plain ML.NET.
/// </summary>
[TestClass]
public sealed class ImageFolderConsoleTests
{
    private const int TrainingDigits = 600;
    private const int TestDigits = 100;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    private static TemporaryFolder _folder = null!;
    private static CnnmlRun _train = null!;

    private static string TrainFolder => Path.Combine(_folder.Path, "train");

    private static string TestFolder => Path.Combine(_folder.Path, "test");

    private static string ModelPath => _folder.File("model.zip");

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        var mnist = TestPaths.RequireMnist();
        _folder = new TemporaryFolder("cnnml-image-console");
        DigitImageFiles.WriteFolder(TrainFolder, MnistDataset.Load(mnist, MnistSplit.Train, TrainingDigits), 0, TrainingDigits, side: 40);
        DigitImageFiles.WriteFolder(TestFolder, MnistDataset.Load(mnist, MnistSplit.Test, TestDigits), 0, TestDigits, side: 40);
        _train = CnnmlProcess.Run(Timeout, "train", "--images", TrainFolder, "--input", "1x28x28", "--epochs", "1", "--threads", "2",
            "--report-every", "0", "--out", ModelPath, "--metrics-json", _folder.File("train.json"));
        Assert.AreEqual(0, _train.ExitCode, _train.ToString());
    }

    [ClassCleanup]
    public static void DeleteFolder() => _folder?.Dispose();

    [TestMethod]
    public void Train_states_the_stratified_seeded_split_and_saves_a_zip_that_reads_image_paths()
    {
        var split = ImageFolder.Load(TrainFolder).Split(0.2, seed: 1);
        StringAssert.Contains(_train.StandardOutput, $"test set: 20% of {TrainFolder}, stratified, seed 1: {split.Test.Images.Count} images");
        StringAssert.Contains(_train.StandardOutput, $"Data: {split.Train.Images.Count} training images in 10 labels from {TrainFolder}");
        using var metrics = JsonDocument.Parse(File.ReadAllText(_folder.File("train.json")));
        Assert.AreEqual(split.Test.Images.Count, metrics.RootElement.GetProperty("testImages").GetInt64());
        Assert.AreEqual(split.Train.Images.Count, metrics.RootElement.GetProperty("trainImages").GetInt64());

        var ml = new MLContext();
        var model = ml.Model.Load(ModelPath, out var inputSchema);
        Assert.AreEqual(TextDataViewType.Instance, inputSchema["ImagePath"].Type, "the zip reads the image file's path");
        Assert.AreEqual("Key<UInt32, 0-9>", inputSchema["Label"].Type.ToString(), "the label is a key whose values are the folder names");
        Assert.AreEqual(TextDataViewType.Instance, model.GetOutputSchema(inputSchema)["PredictedLabel"].Type);
        (model as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void Predict_on_a_folder_gives_json_labels_equal_to_a_batch_Transform_of_the_zip()
    {
        var json = _folder.File("predictions.json");
        var run = CnnmlProcess.Run(Timeout, "predict", "--model", ModelPath, TestFolder, "--json", json);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var predictions = JsonSerializer.Deserialize<List<PredictionJson>>(File.ReadAllText(json), CaseInsensitive)!;

        var (paths, labels, scores) = BatchTransform();
        CollectionAssert.AreEqual(paths, predictions.Select(p => p.Path).ToList(), "every file of the folder, in ordinal order");
        CollectionAssert.AreEqual(labels, predictions.Select(p => p.Label).ToList(), "predict's labels are the batch Transform's");
        for (var i = 0; i < paths.Count; i++)
        {
            Assert.AreEqual(predictions[i].Label, predictions[i].Top[0].Label);
            Assert.AreEqual(scores[i].Max(), predictions[i].Top[0].Score, 0f, $"{paths[i]}: the same score, bit for bit (the same chain reads the same file)");
        }
        Assert.IsGreaterThan(3, labels.Distinct().Count(), "a model that predicts one class would compare too little");
    }

    [TestMethod]
    public void Evaluate_images_reports_the_accuracy_of_the_zip_on_the_folder()
    {
        var json = _folder.File("evaluate.json");
        var run = CnnmlProcess.Run(Timeout, "evaluate", "--model", ModelPath, "--images", TestFolder, "--metrics-json", json);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        using var metrics = JsonDocument.Parse(File.ReadAllText(json));

        var (paths, labels, _) = BatchTransform();
        var truth = paths.Select(p => Path.GetFileName(Path.GetDirectoryName(p))!).ToList();
        var expected = (double)labels.Zip(truth).Count(x => x.First == x.Second) / paths.Count;
        Console.WriteLine($"evaluate --images: {metrics.RootElement}; batch Transform: {expected:P2} of {paths.Count}");
        Assert.AreEqual(TestDigits, metrics.RootElement.GetProperty("testImages").GetInt64());
        Assert.AreEqual(expected, metrics.RootElement.GetProperty("microAccuracy").GetDouble(), 1e-12, "micro-accuracy = predicted label equals the folder name");
        // One epoch on 480 digits gives about 60-80 %; a model that learned nothing gives about 10 %.
        Assert.IsGreaterThan(0.4, expected);
    }

    [TestMethod]
    public void Image_options_that_do_not_fit_exit_2_naming_the_value_and_missing_folders_exit_1()
    {
        var shape = CnnmlInProcess.Run("train", "--images", TrainFolder, "--input", "3x32xbig");
        Assert.AreEqual(2, shape.ExitCode, shape.ToString());
        StringAssert.Contains(shape.StandardError, "--input 3x32xbig: Input shape '3x32xbig' is not of the form CxHxW");
        Assert.AreEqual("", shape.StandardOutput);

        var channels = CnnmlInProcess.Run("train", "--images", TrainFolder, "--input", "2x28x28");
        Assert.AreEqual(2, channels.ExitCode, channels.ToString());
        StringAssert.Contains(channels.StandardError, "--input 2x28x28: images are given to a network as 1xHxW (grayscale) or 3xHxW (RGB)");

        var tooSmall = CnnmlInProcess.Run("train", "--arch", "lenet5", "--input", "1x8x8");
        Assert.AreEqual(2, tooSmall.ExitCode, tooSmall.ToString());
        StringAssert.Contains(tooSmall.StandardError, "--input 1x8x8: Architecture 'lenet5' cannot take input 1x8x8: every spatial size must be at least 12");
        Assert.AreEqual("", tooSmall.StandardOutput, "refused before the banner");

        var volume = CnnmlInProcess.Run("train", "--arch", "conv3d", "--images", TrainFolder);
        Assert.AreEqual(2, volume.ExitCode, volume.ToString());
        StringAssert.Contains(volume.StandardError, "conv3d's input 1x8x28x28 (no --input given)");

        var orphan = CnnmlInProcess.Run("train", "--test-images", TestFolder);
        Assert.AreEqual(2, orphan.ExitCode, orphan.ToString());
        StringAssert.Contains(orphan.StandardError, $"--test-images {TestFolder} needs --images");

        var missing = _folder.File("no-such-folder");
        var model = _folder.File("never.zip");
        var run = CnnmlInProcess.Run("train", "--images", missing, "--out", model);
        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.StandardError, $"Image folder '{missing}' does not exist");
        Assert.IsFalse(File.Exists(model));
        Assert.IsFalse(run.StandardOutput.Contains("Training", StringComparison.Ordinal), "no training started");
    }

    [TestMethod]
    public void Normalize_imagenet_is_saved_in_the_zip_and_needs_three_channels()
    {
        var oneChannel = CnnmlInProcess.Run("train", "--images", TrainFolder, "--input", "1x28x28", "--normalize", "imagenet");
        Assert.AreEqual(2, oneChannel.ExitCode, oneChannel.ToString());
        StringAssert.Contains(oneChannel.StandardError, "--normalize imagenet is for 3 channels; --input 1x28x28 has 1.");
        var unknown = CnnmlInProcess.Run("train", "--images", TrainFolder, "--normalize", "cifar");
        Assert.AreEqual(2, unknown.ExitCode, unknown.ToString());
        StringAssert.Contains(unknown.StandardError, "--normalize cifar: give none or imagenet.");

        var model = _folder.File("imagenet.zip");
        var run = CnnmlProcess.Run(Timeout, "train", "--images", TrainFolder, "--test-images", TestFolder, "--input", "3x28x28", "--normalize", "imagenet",
            "--epochs", "1", "--threads", "2", "--report-every", "0", "--out", model);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.StandardOutput,
            "Input: each image resized to 3x28x28 (RGB, pixel / 255), normalized with mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)");

        // The zip's own Features column for a digit: its black corner pixel, (0 − mean) / std in each channel plane.
        var ml = new MLContext();
        var loaded = ml.Model.Load(model, out _);
        var features = loaded.Transform(ml.Data.LoadImageFolder(TestFolder)).GetColumn<float[]>("Features").First();
        (loaded as IDisposable)?.Dispose();
        Assert.HasCount(3 * 28 * 28, features);
        Assert.AreEqual(-0.485f / 0.229f, features[0], 1e-5f, "red plane");
        Assert.AreEqual(-0.456f / 0.224f, features[784], 1e-5f, "green plane");
        Assert.AreEqual(-0.406f / 0.225f, features[1568], 1e-5f, "blue plane");
    }

    /// <summary>The test folder's files scored by the zip in one batch Transform, with plain ML.NET: paths, PredictedLabel, Score.</summary>
    private static (List<string> Paths, List<string> Labels, float[][] Scores) BatchTransform()
    {
        var ml = new MLContext();
        var model = ml.Model.Load(ModelPath, out _);
        var rows = ml.Data.LoadImageFolder(TestFolder);
        var scored = model.Transform(rows);
        var result = (rows.GetColumn<string>("ImagePath").ToList(), scored.GetColumn<string>("PredictedLabel").ToList(), scored.GetColumn<float[]>("Score").ToArray());
        (model as IDisposable)?.Dispose();
        return result;
    }

    private static readonly JsonSerializerOptions CaseInsensitive = new() { PropertyNameCaseInsensitive = true };

    private sealed record PredictionJson(string Path, string Label, List<ScoreJson> Top);

    private sealed record ScoreJson(string Label, float Score);
}
