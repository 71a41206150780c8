using System.Globalization;
using System.Text.RegularExpressions;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// <c>--plots DIR</c> on <c>train</c>, <c>evaluate</c> and <c>conv-demo</c> (issue 9 item 5): each picture is written,
/// its path printed, and it is a real picture — the expected size, not blank, more than one color, and the colors
/// of what it must show. One small training run (mnist-cnn, 2 epochs on 400 images) serves the class.
/// </summary>
[TestClass]
public sealed partial class PicturesConsoleTests
{
    private const int TestImages = 200;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    // Colors the plots use (OxyPlot's named colors), looked for in the decoded PNGs.
    private static readonly (byte R, byte G, byte B) SteelBlue = (70, 130, 180), OrangeRed = (255, 69, 0), DarkBlue = (0, 0, 139);

    private static TemporaryFolder _folder = null!;
    private static CnnmlRun _train = null!;

    private static string TrainPlots => Path.Combine(_folder.Path, "train-plots");

    private static string ModelPath => _folder.File("model.zip");

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        _folder = new TemporaryFolder("cnnml-plots");
        _train = CnnmlProcess.Run(Timeout, "train", "--arch", "mnist-cnn", "--epochs", "2", "--train-limit", "400", "--test-limit", $"{TestImages}",
            "--threads", "2", "--data", TestPaths.RequireMnist(), "--report-every", "2", "--validate-every", "3",
            "--out", ModelPath, "--plots", TrainPlots);
        Assert.AreEqual(0, _train.ExitCode, _train.ToString());
    }

    [ClassCleanup]
    public static void Delete() => _folder?.Dispose();

    [TestMethod]
    public void Train_plots_draws_curves_confusion_matrix_misclassified_digits_and_kernels()
    {
        var expected = new[] { "training-loss.png", "training-accuracy.png", "confusion-matrix.png", "misclassified.png", "first-conv-kernels.png" };
        CollectionAssert.AreEquivalent(expected, Directory.GetFiles(TrainPlots).Select(Path.GetFileName).ToList(), "exactly the pictures, no temporary file");
        CollectionAssert.AreEqual(expected.Select(f => Path.Combine(TrainPlots, f)).ToList(), PrintedPictures(_train), "each path printed, in order");

        // 800×450 line charts: the steel-blue line of every report interval; dark-blue epoch-end markers; the
        // orange-red validation curve (validation every 3 batches) on the accuracy chart only.
        var loss = PngPicture.Load(Path.Combine(TrainPlots, "training-loss.png"));
        loss.AssertDrawn(800, 450);
        Assert.IsGreaterThan(200, loss.Count(SteelBlue.R, SteelBlue.G, SteelBlue.B, 8), "the loss line");
        Assert.IsGreaterThan(40, loss.Count(DarkBlue.R, DarkBlue.G, DarkBlue.B, 8), "the two epoch-end markers");
        Assert.AreEqual(0, loss.Count(OrangeRed.R, OrangeRed.G, OrangeRed.B, 8), "no validation curve on the loss chart");
        var accuracy = PngPicture.Load(Path.Combine(TrainPlots, "training-accuracy.png"));
        accuracy.AssertDrawn(800, 450);
        Assert.IsGreaterThan(200, accuracy.Count(OrangeRed.R, OrangeRed.G, OrangeRed.B, 8), "the validation curve");
        Assert.IsGreaterThan(200, accuracy.Count(SteelBlue.R, SteelBlue.G, SteelBlue.B, 8), "the train-accuracy line");

        PngPicture.Load(Path.Combine(TrainPlots, "confusion-matrix.png")).AssertDrawn(640, 600, minimumForeground: 0.2);

        // MNIST digits at 4× (112 px tiles), 8 to a row, at most 40: white ink on black.
        var wrong = (int)Math.Round((1 - PrintedAccuracy(_train)) * TestImages);
        Assert.IsGreaterThanOrEqualTo(8, wrong, "a model this small misclassifies at least a row of the 200 test images");
        var rows = (Math.Min(40, wrong) + 7) / 8;
        var misclassified = PngPicture.Load(Path.Combine(TrainPlots, "misclassified.png"));
        misclassified.AssertDrawn(8 * 122 - 10 + 24, rows * 140 - 10 + 52, minimumForeground: 0.3);
        Assert.IsGreaterThan(0.2 * misclassified.Width * misclassified.Height, misclassified.Count(0, 0, 0), "the digits' black backgrounds");
        Assert.IsGreaterThan(1000, misclassified.Count(255, 255, 255), "white ink and page");

        // mnist-cnn's first convolution: 16 kernels of 5×5 at 16× (80 px tiles), two rows of 8; learned weights have both
        // signs: red and blue cells.
        var kernels = PngPicture.Load(Path.Combine(TrainPlots, "first-conv-kernels.png"));
        kernels.AssertDrawn(8 * 90 - 10 + 24, 2 * 108 - 10 + 52, minimumForeground: 0.3);
        // Each kernel is scaled by its largest |weight|, so every tile has at least one cell (16×16 px) of pure red or blue.
        Assert.IsGreaterThan(16 * 256, kernels.Count(p => p.R > p.G + 60 && p.R > p.B + 60), "positive weights (red)");
        Assert.IsGreaterThan(16 * 256, kernels.Count(p => p.B > p.R + 60 && p.B > p.G + 60), "negative weights (blue)");
        // (A cell's border pixels may be blended with its neighbors': ~200 of its 256 pixels keep the exact color.)
        Assert.IsGreaterThanOrEqualTo(16 * 200, kernels.Count(255, 0, 0) + kernels.Count(0, 0, 255), "the largest weight of each kernel at full color");
    }

    [TestMethod]
    public void Evaluate_plots_draws_the_saved_zips_confusion_matrix_misclassified_digits_and_kernels_as_train_did()
    {
        var plots = Path.Combine(_folder.Path, "evaluate-plots");
        var run = CnnmlProcess.Run(Timeout, "evaluate", "--model", ModelPath, "--test-limit", $"{TestImages}", "--plots", plots);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var expected = new[] { "confusion-matrix.png", "misclassified.png", "first-conv-kernels.png" };
        CollectionAssert.AreEqual(expected.Select(f => Path.Combine(plots, f)).ToList(), PrintedPictures(run), "each path printed; no training curves from a zip");
        StringAssert.Contains(run.StandardOutput, "No training curves");

        // The same test images and predictions, and the kernels read back from the zip's ONNX graph: below the titles
        // (which name the zip instead of the run), each picture is pixel for pixel the one train drew.
        foreach (var name in expected)
        {
            var trained = PngPicture.Load(Path.Combine(TrainPlots, name));
            var evaluated = PngPicture.Load(Path.Combine(plots, name));
            Assert.AreEqual((trained.Width, trained.Height), (evaluated.Width, evaluated.Height), name);
            CollectionAssert.AreEqual(trained.RowsFrom(40), evaluated.RowsFrom(40), $"{name}: the zip's picture differs from train's below the title");
        }
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
