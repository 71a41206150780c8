using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CnnMl.Data;
using CnnMl.Demo.Plots;
using CnnMl.Interpretation;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using Microsoft.ML;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// <c>--plots DIR</c> on <c>train</c>, <c>evaluate</c> and <c>conv-demo</c> (issue 9 item 5, issue 22 item 3), and
/// <c>cnnml explain</c>: each picture is written, its path printed, and it is a real picture — the expected size, not
/// blank, more than one color, and the colors of what it must show; top losses, the most confused pairs and Grad-CAM
/// are checked pixel by pixel (or value by value) against the library's own computation on the run's checkpoint. One
/// small training run in process (mnist-cnn, 2 epochs on 400 images, 14 batches) serves the class.
/// </summary>
[TestClass]
public sealed partial class PicturesConsoleTests
{
    private const int TestImages = 200;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private static readonly string[] TrainPictures =
        ["training-loss.png", "training-accuracy.png", "confusion-matrix.png", "misclassified.png", "first-conv-kernels.png", "top-losses.png", "grad-cam.png"];

    // Colors the plots use (OxyPlot's named colors), looked for in the decoded PNGs.
    private static readonly (byte R, byte G, byte B) SteelBlue = (70, 130, 180), OrangeRed = (255, 69, 0), DarkBlue = (0, 0, 139), BatchBlue = (173, 198, 224);

    private static TemporaryFolder _folder = null!;
    private static CnnmlRun _train = null!;

    private static string TrainPlots => Path.Combine(_folder.Path, "train-plots");

    private static string ModelPath => _folder.File("model.zip");

    private static string CheckpointPath => _folder.File("model.ckpt");

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        _folder = new TemporaryFolder("cnnml-plots");
        _train = CnnmlInProcess.Run("train", "--arch", "mnist-cnn", "--epochs", "2", "--train-limit", "400", "--test-limit", $"{TestImages}",
            "--threads", "2", "--data", TestPaths.RequireMnist(), "--report-every", "2", "--validate-every", "3",
            "--out", ModelPath, "--checkpoint", CheckpointPath, "--plots", TrainPlots);
        Assert.AreEqual(0, _train.ExitCode, _train.ToString());
    }

    [ClassCleanup]
    public static void Delete() => _folder?.Dispose();

    [TestMethod]
    public void Train_plots_draws_curves_confusion_matrix_misclassified_digits_and_kernels()
    {
        CollectionAssert.AreEquivalent(TrainPictures.Append("most-confused.json").ToList(), Directory.GetFiles(TrainPlots).Select(Path.GetFileName).ToList(),
            "exactly the pictures and the table, no temporary file");
        CollectionAssert.AreEqual(TrainPictures.Select(f => Path.Combine(TrainPlots, f)).ToList(), PrintedPictures(_train), "each path printed, in order");

        // 800×450 line charts. Loss: the light line of all 14 batches, the steel-blue smoothed curve over it, the
        // orange-red validation loss of each epoch (diamonds). Accuracy: the running train accuracy, dark-blue
        // epoch-end markers, and the validation curve (every 3 batches).
        var loss = PngPicture.Load(Path.Combine(TrainPlots, "training-loss.png"));
        loss.AssertDrawn(800, 450);
        Assert.IsGreaterThan(200, loss.Count(SteelBlue.R, SteelBlue.G, SteelBlue.B, 8), "the smoothed loss");
        Assert.IsGreaterThan(100, loss.Count(BatchBlue.R, BatchBlue.G, BatchBlue.B, 8), "the loss of each batch");
        Assert.IsGreaterThan(100, loss.Count(OrangeRed.R, OrangeRed.G, OrangeRed.B, 8), "the validation loss of the two epochs");
        Assert.AreEqual(0, loss.Count(DarkBlue.R, DarkBlue.G, DarkBlue.B, 8), "no accuracy markers on the loss chart");
        var accuracy = PngPicture.Load(Path.Combine(TrainPlots, "training-accuracy.png"));
        accuracy.AssertDrawn(800, 450);
        Assert.IsGreaterThan(200, accuracy.Count(OrangeRed.R, OrangeRed.G, OrangeRed.B, 8), "the validation curve");
        Assert.IsGreaterThan(200, accuracy.Count(SteelBlue.R, SteelBlue.G, SteelBlue.B, 8), "the train-accuracy line");
        Assert.IsGreaterThan(40, accuracy.Count(DarkBlue.R, DarkBlue.G, DarkBlue.B, 8), "the two epoch-end markers");

        PngPicture.Load(Path.Combine(TrainPlots, "confusion-matrix.png")).AssertDrawn(640, 600, minimumForeground: 0.2);

        // MNIST digits at 4× (112 px tiles), 8 to a row, at most 40: white ink on black.
        var wrong = (int)Math.Round((1 - PrintedAccuracy(_train)) * TestImages);
        Assert.IsGreaterThanOrEqualTo(8, wrong, "a model this small misclassifies at least a row of the 200 test images");
        var rows = (Math.Min(40, wrong) + 7) / 8;
        var misclassified = PngPicture.Load(Path.Combine(TrainPlots, "misclassified.png"));
        misclassified.AssertDrawn(8 * 122 - 10 + 24, rows * 140 - 10 + 52, minimumForeground: 0.3);
        Assert.IsGreaterThan(0.2 * misclassified.Width * misclassified.Height, misclassified.Count(0, 0, 0), "the digits' black backgrounds");
        Assert.IsGreaterThan(1000, misclassified.Count(255, 255, 255), "white ink and page");

        // mnist-cnn's first convolution: 16 kernels of 5×5 at 16× (80 px tiles), two rows of 8 centered in 900 px, and a
        // 90 px color bar on the right; learned weights have both signs: red and blue cells.
        var kernels = PngPicture.Load(Path.Combine(TrainPlots, "first-conv-kernels.png"));
        kernels.AssertDrawn(900 + 90, 2 * 108 - 10 + 52, minimumForeground: 0.3);
        // Each kernel is scaled by its largest |weight|, so every tile has at least one cell (16×16 px) of pure red or blue.
        Assert.IsGreaterThan(16 * 256, kernels.Count(p => p.R > p.G + 60 && p.R > p.B + 60), "positive weights (red)");
        Assert.IsGreaterThan(16 * 256, kernels.Count(p => p.B > p.R + 60 && p.B > p.G + 60), "negative weights (blue)");
        // (A cell's border pixels may be blended with its neighbors': ~200 of its 256 pixels keep the exact color.)
        Assert.IsGreaterThanOrEqualTo(16 * 200, kernels.Count(255, 0, 0) + kernels.Count(0, 0, 255), "the largest weight of each kernel at full color");
        // The color bar, right of the grid (which ends at 12 + 83 + 710 = 805 px): a red end and a blue end.
        Assert.IsGreaterThan(200, kernels.CountRightOf(807, p => p.R - p.B > 100), "the color bar's red end");
        Assert.IsGreaterThan(200, kernels.CountRightOf(807, p => p.B - p.R > 100), "the color bar's blue end");
    }

    /// <summary>The test images and their true classes, as train tested them (the first 200 of MNIST's test set).</summary>
    private static (MLContext Ml, IDataView Test, MnistDataset Digits) TestData()
    {
        var ml = new MLContext(seed: 1);
        return (ml, ml.Data.LoadMnist(TestPaths.RequireMnist(), MnistSplit.Test, TestImages), MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Test, TestImages));
    }

    [TestMethod]
    public void Top_losses_are_the_test_digits_with_the_highest_loss_worst_first()
    {
        var (ml, test, digits) = TestData();
        using var model = CnnTransformer.Load(CheckpointPath);
        var top = ClassificationInterpretation.FromModel(model, test).TopLosses(16);
        Assert.IsTrue(top.Zip(top.Skip(1)).All(p => p.First.Loss >= p.Second.Loss));

        // Two rows of 8 digits at 4× (112 px) in 122 px cells, three caption lines under each (176 px rows).
        var picture = PngPicture.Load(Path.Combine(TrainPlots, "top-losses.png"));
        picture.AssertDrawn(8 * 122 - 10 + 24, 2 * 176 - 10 + 52, minimumForeground: 0.3);
        for (var k = 0; k < top.Count; k++)
        {
            var (left, upper) = (12 + k % 8 * 122, 40 + k / 8 * 176);
            var digit = digits.Pixels.AsSpan((int)top[k].Row * 784, 784);
            var wrong = 0;
            for (var p = 0; p < 784; p++)
            {
                // The center of each 4×4 block: the digit's gray level (OxyPlot's 256-step gray palette).
                var (r, g, b) = picture[left + p % 28 * 4 + 2, upper + p / 28 * 4 + 2];
                if (Math.Abs(r - digit[p]) > 2 || r != g || g != b) wrong++;
            }
            Assert.AreEqual(0, wrong, $"tile {k} is not test image {top[k].Row} (loss {top[k].Loss:F3})");
        }
    }

    [TestMethod]
    public void Most_confused_json_ranks_the_confusion_matrixs_off_diagonal_counts()
    {
        var (ml, test, _) = TestData();
        using var model = CnnTransformer.Load(CheckpointPath);
        var counts = ml.MulticlassClassification.Evaluate(model.Transform(test)).ConfusionMatrix.Counts;
        var expected = (from actual in Enumerable.Range(0, 10)
                        from predicted in Enumerable.Range(0, 10)
                        where actual != predicted && counts[actual][predicted] > 0
                        orderby counts[actual][predicted] descending, actual, predicted
                        select (Actual: $"{actual}", Predicted: $"{predicted}", Count: (long)counts[actual][predicted], Of: (long)counts[actual].Sum())).ToList();
        Assert.IsGreaterThan(5, expected.Count, "a 2-epoch model confuses several pairs");

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TrainPlots, "most-confused.json")));
        var root = json.RootElement;
        Assert.AreEqual(TestImages, root.GetProperty("examples").GetInt64());
        Assert.AreEqual(expected.Sum(e => e.Count), root.GetProperty("errors").GetInt64());
        StringAssert.Contains(root.GetProperty("title").GetString(), "mnist-cnn, 2 epoch(s) on 400 MNIST training images");
        var pairs = root.GetProperty("pairs").EnumerateArray().ToList();
        Assert.HasCount(expected.Count, pairs);
        for (var i = 0; i < pairs.Count; i++)
        {
            Assert.AreEqual(i + 1, pairs[i].GetProperty("rank").GetInt32());
            Assert.AreEqual(expected[i], (pairs[i].GetProperty("actual").GetString()!, pairs[i].GetProperty("predicted").GetString()!,
                pairs[i].GetProperty("count").GetInt64(), pairs[i].GetProperty("actualExamples").GetInt64()), $"rank {i + 1}");
            Assert.AreEqual((double)expected[i].Count / expected[i].Of, pairs[i].GetProperty("shareOfActual").GetDouble(), 1e-12);
        }
        // The console shows the table too: its title and the first pair's row.
        StringAssert.Contains(_train.StandardOutput, $"Most confused: {expected.Sum(e => e.Count)} errors in {TestImages} test images");
        StringAssert.Matches(_train.StandardOutput, new Regex($@"│\s+1 │ {expected[0].Actual}\s+│ {expected[0].Predicted}\s+│\s+{expected[0].Count} │"));
    }

    [TestMethod]
    public void Grad_cam_draws_each_chosen_test_digit_beside_the_libraries_map_over_it()
    {
        var (_, _, digits) = TestData();
        using var model = CnnTransformer.Load(CheckpointPath);
        // mnist-cnn flattens its last map into the classifier: auto takes HiResCAM (Grad-CAM's channel means would cancel).
        var cam = GradCamPlot.Explainer(method => GradCam.For(model, method: method), CamChoice.Auto);
        Assert.AreEqual(CamMethod.HiResCam, cam.Method);
        var rows = GradCamPlot.ChooseRows(digits.Labels.Select(l => $"{l}").ToList());
        Assert.HasCount(16, rows);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).ToArray(), rows.Select(r => (int)digits.Labels[(int)r]).Distinct().ToArray(), "every digit is shown");
        var images = rows.Select(r => digits.Pixels.AsSpan((int)r * 784, 784).ToArray().Select(p => p / 255f).ToArray()).ToArray();
        var maps = cam.Compute(images);

        // 4 pairs of 112 px tiles (4 px apart, 16 px between pairs) per row, 4 rows of 154 px, a 110 px color bar.
        var picture = PngPicture.Load(Path.Combine(TrainPlots, "grad-cam.png"));
        picture.AssertDrawn(4 * 228 + 3 * 16 + 24 + 110, 40 + 4 * 154 + 12, minimumForeground: 0.3, minimumColors: 100);
        for (var k = 0; k < rows.Count; k++)
        {
            var (left, upper) = (12 + k % 4 * 244, 40 + k / 4 * 154 + 18);
            var wrong = 0;
            for (var p = 0; p < 784; p++)
            {
                var (x, y) = (p % 28 * 4 + 2, p / 28 * 4 + 2);
                var image = picture[left + x, upper + y];
                var heat = picture[left + 116 + x, upper + y];
                var expected = GradCamPlot.Overlay(images[k][p], maps[k][p / 28, p % 28]);
                if (Math.Abs(image.R - digits.Pixels[(int)rows[k] * 784 + p]) > 1 || image.R != image.B) wrong++;
                if (Math.Abs(heat.R - expected.R) > 1 || Math.Abs(heat.G - expected.G) > 1 || Math.Abs(heat.B - expected.B) > 1) wrong++;
            }
            Assert.AreEqual(0, wrong, $"pair {k} (test image {rows[k]}) differs from the image and GradCam's map over it");
        }
    }

    [TestMethod]
    public void Explain_draws_the_maps_of_chosen_image_files_from_the_checkpoint()
    {
        var (_, _, digits) = TestData();
        var files = new[] { 3, 7 }.Select(i =>
        {
            var path = _folder.File($"digit-{i}.png");
            DigitImageFiles.WriteGrayscale(path, digits.Pixels.AsSpan(i * 784, 784));
            return path;
        }).ToArray();
        var output = _folder.File("explain.png");
        var run = CnnmlInProcess.Run(["explain", "--checkpoint", CheckpointPath, .. files, "--out", output, "--cam", "hirescam"]);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.StandardOutput, $"Picture (--out): {output}");

        // The library's HiResCAM (as asked) of the same digits: its predictions on the console, its maps in the picture.
        using var model = CnnTransformer.Load(CheckpointPath);
        var images = new[] { 3, 7 }.Select(i => digits.Pixels.AsSpan(i * 784, 784).ToArray().Select(p => p / 255f).ToArray()).ToArray();
        var maps = new GradCam(model.Module, model.Definition.ImageShape, method: CamMethod.HiResCam).Compute(images);
        Assert.IsTrue(maps.All(m => m.Values.Max() == 1), "no empty map: the comparison sees each map's shape");
        for (var k = 0; k < 2; k++)
            StringAssert.Matches(run.StandardOutput, new Regex($@"digit-{new[] { 3, 7 }[k]}\.png\s+│ {maps[k].PredictedClass}\s+│\s+{maps[k].PredictedProbability * 100:F1} %"));
        // Two pairs centered in 560 px, one row, the color bar.
        var picture = PngPicture.Load(output);
        picture.AssertDrawn(560 + 110, 40 + 154 + 12, minimumForeground: 0.3, minimumColors: 20);
        var left = (560 - (2 * 228 + 16)) / 2;
        for (var k = 0; k < 2; k++)
        {
            var wrong = 0;
            for (var p = 0; p < 784; p++)
            {
                var heat = picture[left + k * 244 + 116 + p % 28 * 4 + 2, 40 + 18 + p / 28 * 4 + 2];
                var expected = GradCamPlot.Overlay(images[k][p], maps[k][p / 28, p % 28]);
                if (Math.Abs(heat.R - expected.R) > 1 || Math.Abs(heat.G - expected.G) > 1 || Math.Abs(heat.B - expected.B) > 1) wrong++;
            }
            Assert.AreEqual(0, wrong, $"image {k}: the heat map is not GradCam's");
        }
    }

    [TestMethod]
    public void Explain_refuses_a_model_zip_and_a_missing_image_with_a_clear_message()
    {
        var digit = _folder.File("one.png");
        DigitImageFiles.WriteGrayscale(digit, TestData().Digits.Pixels.AsSpan(0, 784));
        var zip = CnnmlInProcess.Run("explain", "--checkpoint", ModelPath, digit, "--out", _folder.File("x.png"));
        Assert.AreEqual(1, zip.ExitCode, zip.ToString());
        StringAssert.Contains(zip.StandardError, ModelPath);
        var missing = CnnmlInProcess.Run("explain", "--checkpoint", CheckpointPath, _folder.File("nowhere.png"), "--out", _folder.File("y.png"));
        Assert.AreEqual(1, missing.ExitCode, missing.ToString());
        StringAssert.Contains(missing.StandardError, "image " + _folder.File("nowhere.png") + ": no such file");
        Assert.IsFalse(File.Exists(_folder.File("x.png")) || File.Exists(_folder.File("y.png")), "no picture from a failed run");
    }

    [TestMethod]
    public void Evaluate_plots_draws_the_saved_zips_confusion_matrix_misclassified_digits_and_kernels_as_train_did()
    {
        var plots = Path.Combine(_folder.Path, "evaluate-plots");
        var run = CnnmlInProcess.Run("evaluate", "--model", ModelPath, "--test-limit", $"{TestImages}", "--data", TestPaths.RequireMnist(), "--plots", plots);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var expected = new[] { "confusion-matrix.png", "misclassified.png", "first-conv-kernels.png", "top-losses.png" };
        CollectionAssert.AreEqual(expected.Select(f => Path.Combine(plots, f)).ToList(), PrintedPictures(run), "each path printed; no training curves from a zip");
        StringAssert.Contains(run.StandardOutput, "No training curves");
        StringAssert.Contains(run.StandardOutput, "No Grad-CAM from a model zip: gradients need the TorchSharp network");

        // The same test images and predictions, and the kernels read back from the zip's ONNX graph: below the titles
        // (which name the zip instead of the run), each picture is pixel for pixel the one train drew.
        foreach (var name in expected)
        {
            var trained = PngPicture.Load(Path.Combine(TrainPlots, name));
            var evaluated = PngPicture.Load(Path.Combine(plots, name));
            Assert.AreEqual((trained.Width, trained.Height), (evaluated.Width, evaluated.Height), name);
            CollectionAssert.AreEqual(trained.RowsFrom(40), evaluated.RowsFrom(40), $"{name}: the zip's picture differs from train's below the title");
        }
        // The same ranked pairs.
        static string Pairs(string folder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "most-confused.json"))).RootElement.GetProperty("pairs").GetRawText();
        Assert.AreEqual(Pairs(TrainPlots), Pairs(plots));
    }

    [TestMethod]
    public void Conv_demo_plots_draws_the_edge_detection_input_and_output()
    {
        var plots = Path.Combine(_folder.Path, "conv-demo-plots");
        var run = CnnmlProcess.Run(Timeout, "conv-demo", "--plots", plots);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEqual(new[] { "edge-detection-input.png", "edge-detection-output.png" }.Select(f => Path.Combine(plots, f)).ToList(), PrintedPictures(run));

        // 6×8 input: columns 2–5 are the black band (dark gray cells), the rest white; 6×7 output: column 1 is +1
        // (salmon), column 5 is −1 (cornflower blue), the rest 0 (white). Each cell is ~70×65 px.
        var input = PngPicture.Load(Path.Combine(plots, "edge-detection-input.png"));
        input.AssertDrawn(640, 480, minimumForeground: 0.2, minimumColors: 3);
        Assert.IsGreaterThan(6 * 4 * 3000, input.Count(96, 96, 96), "24 dark cells");
        var output = PngPicture.Load(Path.Combine(plots, "edge-detection-output.png"));
        output.AssertDrawn(640, 480, minimumForeground: 0.1, minimumColors: 3);
        var salmon = output.Count(250, 128, 114);
        var cornflower = output.Count(100, 149, 237);
        Assert.IsGreaterThan(6 * 3000, salmon, "a column of +1");
        Assert.IsGreaterThan(6 * 3000, cornflower, "a column of −1");
        Assert.AreEqual(salmon, cornflower, 0.05 * salmon, "one column each");
    }

    [TestMethod]
    public void Plots_path_that_is_a_file_fails_before_training()
    {
        var file = _folder.File("not-a-folder.png");
        File.WriteAllText(file, "x");
        var run = CnnmlInProcess.Run("train", "--train-limit", "300", "--plots", file);
        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.HasCount(1, run.ErrorLines, run.ToString());
        StringAssert.Contains(run.ErrorLines[0], $"--plots {file}: '{file}' is a file; give a folder");
        Assert.AreEqual("", run.StandardOutput, "nothing started");
    }

    /// <summary>The paths printed as "Picture (--plots): PATH".</summary>
    private static List<string> PrintedPictures(CnnmlRun run) =>
        run.OutputLines.Select(l => PictureLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();

    private static double PrintedAccuracy(CnnmlRun run) =>
        double.Parse(AccuracyLine().Match(run.StandardOutput).Groups[1].Value, CultureInfo.InvariantCulture) / 100;

    [GeneratedRegex(@"^Picture \(--plots\): (.+)$")]
    private static partial Regex PictureLine();

    [GeneratedRegex(@"test accuracy: ([0-9.]+) %")]
    private static partial Regex AccuracyLine();
}
