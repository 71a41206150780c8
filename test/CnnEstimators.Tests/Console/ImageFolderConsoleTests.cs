using System.Text.Json;
using CnnMl.Data;
using CnnMl.Persistence;
using CnnMl.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// <c>cnnml train --images DIR</c> on Model Builder's folder layout (issue 9, "Image folders"), each step a new process:
/// train on 600 MNIST digits written as 40×40 grayscale PNGs (1 epoch: these tests are about the plumbing; the
/// accuracy tests are <see cref="ImageFolderEvaluationTests"/>), with the stratified held-out split stated; then
/// <c>predict</c> and <c>evaluate --images</c> on 100 other digits' files agree with a batch <c>Transform</c> of the
/// saved zip by plain ML.NET (its <c>LoadImages</c> of each path in front of the zip, which reads decoded images).
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
    public void Train_states_the_stratified_seeded_split_and_saves_a_zip_that_reads_the_images_bytes()
    {
        var split = ImageFolder.Load(TrainFolder).Split(0.2, seed: 1);
        StringAssert.Contains(_train.StandardOutput, $"test set: 20% of {TrainFolder}, stratified, seed 1: {split.Test.Images.Count} images");
        StringAssert.Contains(_train.StandardOutput, $"Data: {split.Train.Images.Count} training images in 10 labels from {TrainFolder}");
        using var metrics = JsonDocument.Parse(File.ReadAllText(_folder.File("train.json")));
        Assert.AreEqual(split.Test.Images.Count, metrics.RootElement.GetProperty("testImages").GetInt64());
        Assert.AreEqual(split.Train.Images.Count, metrics.RootElement.GetProperty("trainImages").GetInt64());

        // Plain ML.NET reads the saved schema: the image column as the encoded bytes (ML.NET cannot store an image column).
        var ml = new MLContext();
        var model = ml.Model.Load(ModelPath, out var inputSchema);
        Assert.AreEqual("Vector<Byte>", inputSchema["ImageSource"].Type.ToString(), "the zip reads the image file's bytes");
        Assert.IsNotNull(inputSchema["ImageSource"].Annotations.Schema.GetColumnOrNull("EncodedImage"));
        Assert.IsNull(inputSchema.GetColumnOrNull("ImagePath"), "no path column: the zip does not open files");
        Assert.AreEqual("Key<UInt32, 0-9>", inputSchema["Label"].Type.ToString(), "the label is a key whose values are the folder names");
        (model as IDisposable)?.Dispose();
        // The verified load gives the decoded-image column back, and the pipeline reads it.
        model = ml.Model.LoadVerified(ModelPath, out inputSchema);
        Assert.IsInstanceOfType<Microsoft.ML.Transforms.Image.ImageDataViewType>(inputSchema["ImageSource"].Type);
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
    public void Predict_streams_a_folder_to_json_lines_with_a_line_per_file_and_bad_files_reported_per_line_then_exit_1()
    {
        // The test folder's 100 digits under their label folders, and three bad files: cut short, not an image, empty.
        var folder = _folder.File("stream");
        foreach (var file in Directory.GetFiles(TestFolder, "*.png", SearchOption.AllDirectories))
        {
            var target = Path.Combine(folder, Path.GetRelativePath(TestFolder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var first = Directory.GetFiles(TestFolder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        File.WriteAllBytes(Path.Combine(folder, "cut.png"), File.ReadAllBytes(first)[..100]);
        File.WriteAllBytes(Path.Combine(folder, "3", "noise.png"), Enumerable.Range(0, 500).Select(i => (byte)(i * 7919 % 251)).ToArray());
        File.WriteAllBytes(Path.Combine(folder, "empty.jpg"), []);
        var output = _folder.File("stream.jsonl");

        var run = CnnmlInProcess.Run("predict", "--model", ModelPath, folder, "--json", output);

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        var error = run.StandardError.Trim();
        StringAssert.StartsWith(error, $"cnnml: error: 3 of {TestDigits + 3} files could not be classified; each has a line with its error in {output}.");
        Assert.IsFalse(error.Any(c => char.IsControl(c)), "one printable line");
        StringAssert.Contains(run.StandardOutput, $"Classified {TestDigits} of {TestDigits + 3} files; 3 could not be read.");

        // One line per file, in the order the folders are walked: a folder's own files (ordinal), then each sub-folder's.
        var lines = File.ReadAllLines(output);
        var expectedOrder = new[] { "cut.png", "empty.jpg" }.Select(f => Path.Combine(folder, f))
            .Concat(Directory.GetDirectories(folder).Order(StringComparer.Ordinal)
                .SelectMany(d => Directory.GetFiles(d).Order(StringComparer.Ordinal))).ToList();
        var parsed = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        CollectionAssert.AreEqual(expectedOrder, parsed.Select(p => p.GetProperty("path").GetString()).ToList());

        var failures = parsed.Where(p => p.TryGetProperty("error", out _)).ToDictionary(p => Path.GetFileName(p.GetProperty("path").GetString()!), p => p.GetProperty("error").GetString()!);
        Assert.HasCount(3, failures);
        StringAssert.Contains(failures["cut.png"], "the file is cut short");
        StringAssert.Contains(failures["noise.png"], "not a PNG, JPEG, BMP or GIF image");
        StringAssert.Contains(failures["empty.jpg"], "the file is empty");

        // Every other line is predict --json's object for the file, with the batch Transform's label and score.
        var (paths, labels, scores) = BatchTransform();
        var byName = paths.Select((p, i) => (Path.GetRelativePath(TestFolder, p), i)).ToDictionary(x => x.Item1, x => x.i);
        var predicted = parsed.Where(p => !p.TryGetProperty("error", out _)).ToList();
        Assert.HasCount(TestDigits, predicted);
        foreach (var line in predicted)
        {
            CollectionAssert.AreEqual(new[] { "path", "label", "top" }, line.EnumerateObject().Select(p => p.Name).ToArray());
            var i = byName[Path.GetRelativePath(folder, line.GetProperty("path").GetString()!)];
            Assert.AreEqual(labels[i], line.GetProperty("label").GetString());
            var top = line.GetProperty("top").EnumerateArray().ToList();
            Assert.HasCount(3, top);
            Assert.AreEqual(scores[i].Max(), top[0].GetProperty("score").GetSingle(), 0f, "the same score as the batch Transform, bit for bit");
        }
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
        var features = loaded.Transform(DecodedImages(ml, ml.Data.LoadImageFolder(TestFolder))).GetColumn<float[]>("Features").First();
        (loaded as IDisposable)?.Dispose();
        Assert.HasCount(3 * 28 * 28, features);
        Assert.AreEqual(-0.485f / 0.229f, features[0], 1e-5f, "red plane");
        Assert.AreEqual(-0.456f / 0.224f, features[784], 1e-5f, "green plane");
        Assert.AreEqual(-0.406f / 0.225f, features[1568], 1e-5f, "blue plane");
    }

    /// <summary>
    /// The test folder's files scored by the zip in one batch Transform, with plain ML.NET: paths, PredictedLabel, Score.
    /// A batch job with paths puts ML.NET's LoadImages in front of the zip (the zip reads decoded images).
    /// </summary>
    private static (List<string> Paths, List<string> Labels, float[][] Scores) BatchTransform()
    {
        var ml = new MLContext();
        var model = ml.Model.Load(ModelPath, out _);
        var rows = ml.Data.LoadImageFolder(TestFolder);
        var scored = model.Transform(DecodedImages(ml, rows));
        var result = (rows.GetColumn<string>("ImagePath").ToList(), scored.GetColumn<string>("PredictedLabel").ToList(), scored.GetColumn<float[]>("Score").ToArray());
        (model as IDisposable)?.Dispose();
        return result;
    }

    // ML.NET's LoadImages of the ImagePath column into the ImageSource column the zip reads.
    private static IDataView DecodedImages(MLContext ml, IDataView rows) =>
        ml.Transforms.LoadImages("ImageSource", "", "ImagePath").Fit(rows).Transform(rows);

    private static readonly JsonSerializerOptions CaseInsensitive = new() { PropertyNameCaseInsensitive = true };

    private sealed record PredictionJson(string Path, string Label, List<ScoreJson> Top);

    private sealed record ScoreJson(string Label, float Score);
}
