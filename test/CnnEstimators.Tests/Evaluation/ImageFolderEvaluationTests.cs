using System.Text.Json;
using CnnMl.Data;
using CnnMl.Demo.Commands.Train;
using CnnMl.Demo.Steps;
using CnnMl.Tests.ConsoleApp;
using CnnMl.Tests.Support;
using Microsoft.ML;

namespace CnnMl.Tests.Evaluation;

/// <summary>
/// Issue 9's image-folder acceptance, through the console's command line as a user runs it (<c>cnnml train --images
/// DIR</c>, in this process: <c>ImageFolderConsoleTests</c> runs the same command as a process): real MNIST digits
/// written by the test as image files in Model Builder's layout, trained with the stratified held-out split (20 %,
/// MLContext seed 1) on one libtorch thread, accuracy read from <c>--metrics-json</c> (ML.NET's evaluation of the
/// held-out files). Beside each, the 784-256-10 network without convolutions (<see cref="NoConvolutionBaselines.Mlp"/>,
/// 1x28x28 → 784 inputs, 3x32x32 → 3,072) trained by the same command's phases — its data loading, split, image-input
/// chain, trainer options and ML.NET evaluation — with only the network swapped.
/// </summary>
/// <remarks>
/// Thresholds from MLContext seeds 1–3 (<c>CNNML_EVALUATION_SEED</c>; seed 1 is what the tests run), one thread,
/// 2 epochs on the 8,000 training files, accuracy on the 2,000 held-out files (micro-accuracy in %):
/// <code>
///                                          seed 1   seed 2   seed 3   floor  smallest gap → margin
/// 40px grayscale PNGs: mnist-cnn 1x28x28   96.50    96.80    96.25    95 %
///                      784-256-10 MLP      91.45    92.55    91.70           4.25 points → 2.1
/// 32px RGB JPEGs:      mnist-cnn 3x32x32   95.05    95.75    95.90    93 %
///                      3072-256-10 MLP     88.45    88.80    88.10           6.60 points → 3.3
/// </code>
/// Each floor lies above the baseline's best seed and below the network's worst, so the MLP, the weaker model, fails
/// it; the margin is half the smallest gap between network and baseline, rounded down to a tenth of a point. Those
/// figures were measured on an AMD EPYC (Zen 5) before the console decoded an image folder's files ahead of the saved
/// chain. Measured again on the current build on an Intel Xeon (2 cores; seed 1 from <c>scripts/test.sh</c>, seeds 2–3
/// with <c>CNNML_EVALUATION_SEED=N dotnet test … --filter FullyQualifiedName~ImageFolderEvaluationTests</c>):
/// <code>
///                                          seed 1   seed 2   seed 3   floor  smallest gap → margin
/// 40px grayscale PNGs: mnist-cnn 1x28x28   96.65    95.40    96.85    95 %
///                      784-256-10 MLP      90.95    92.45    91.35           2.95 points (2.1 kept)
/// 32px RGB JPEGs:      mnist-cnn 3x32x32   95.35    96.45    96.65    93 %
///                      3072-256-10 MLP     83.30    87.90    85.10           8.55 points → 4.2
/// </code>
/// Both floors still lie between the baseline's best seed and the network's worst. The PNG margin stays at 2.1 points,
/// stricter than half the new smallest gap (1.4), and every seed clears it (seed 2 by 0.85 points); the JPEG margin
/// rises to half its new smallest gap. One filtered run of this class (both tests, images written, test host) took
/// 75–76 CPU seconds (user + sys), where the class used to start two console processes at 2 threads (130 s of wall
/// time on a quiet machine).
/// </remarks>
[TestClass]
[TestCategory("Evaluation")]
public sealed class ImageFolderEvaluationTests
{
    private const int Digits = 10_000;
    private const int Epochs = 2;

    /// <summary>The command line both runs share: one thread, so that each run repeats bit for bit.</summary>
    private static string[] Protocol(string folder, string input) =>
        ["train", "--images", folder, "--input", input, "--epochs", $"{Epochs}", "--seed", $"{MnistEvaluation.Seed}", "--threads", "1", "--report-every", "0"];

    private static double Network(string folder, string input)
    {
        var metrics = Path.Combine(folder, "..", Path.GetFileName(folder) + ".json");
        var run = CnnmlInProcess.Run([.. Protocol(folder, input), "--arch", "mnist-cnn", "--metrics-json", metrics]);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(metrics));
        var root = json.RootElement;
        Console.WriteLine(string.Join("\n", run.OutputLines.Where(l => l.StartsWith("Data:") || l.StartsWith("test set:") || l.StartsWith("Input:") || l.StartsWith("Trained"))));
        var accuracy = root.GetProperty("microAccuracy").GetDouble();
        Console.WriteLine($"mnist-cnn --input {input}, seed {MnistEvaluation.Seed}: {accuracy:P2} on {root.GetProperty("testImages").GetInt64()} held-out files " +
                          $"after {root.GetProperty("trainSeconds").GetDouble():F1} s of training ({run.Elapsed.TotalSeconds:F0} s for the whole run)");
        return accuracy;
    }

    /// <summary>The no-convolution baseline through <c>cnnml train</c>'s own phases, on the same command line.</summary>
    private static double Baseline(string folder, string input)
    {
        var settings = new TrainSettings
        {
            Images = folder, Input = input, Epochs = Epochs, Seed = MnistEvaluation.Seed, Threads = 1, ReportEvery = 0,
        };
        var ml = TrainRunSetup.CreateContext(settings);
        var data = PreparedData.Load(ml, settings, CnnMl.Architectures.CnnArchitectures.Get(settings.Architecture));
        var options = TrainRunSetup.TrainerOptions(settings, data, CancellationToken.None);
        options.CustomArchitecture = NoConvolutionBaselines.Mlp;
        using var model = ml.MulticlassClassification.Trainers.Cnn(options).Fit(data.Train);
        var accuracy = ml.MulticlassClassification.Evaluate(model.Transform(data.Test)).MicroAccuracy;
        Console.WriteLine($"{NoConvolutionBaselines.Mlp.Name} --input {input}, seed {MnistEvaluation.Seed}: {accuracy:P2} on {data.TestImages} held-out files");
        return accuracy;
    }

    private static void AssertBeats(string name, double accuracy, double floor, double baseline, double margin)
    {
        Assert.IsGreaterThanOrEqualTo(floor, accuracy, $"{name}: micro-accuracy {accuracy:P2} on the held-out files (floor {floor:P1}, above the baseline's best seed)");
        MnistEvaluation.AssertBeatsBaseline(name, accuracy, baseline, margin);
    }

    /// <summary>
    /// 10,000 MNIST training digits as 40×40 grayscale PNGs (scaled up bilinearly), mnist-cnn at 1×28×28 (the chain
    /// scales them back down).
    /// </summary>
    [TestMethod]
    public void Grayscale_40px_pngs_of_MNIST_digits_two_epochs_reach_95_percent_and_beat_the_MLP_on_held_out_files()
    {
        using var folder = new TemporaryFolder("cnnml-eval-png");
        var images = Path.Combine(folder.Path, "digits");
        DigitImageFiles.WriteFolder(images, MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Train, Digits), 0, Digits, side: 40);

        var accuracy = Network(images, "1x28x28");
        var baseline = Baseline(images, "1x28x28");
        AssertBeats("mnist-cnn on PNGs", accuracy, 0.95, baseline, 0.021);
    }

    /// <summary>
    /// 10,000 MNIST training digits as 32×32 RGB JPEGs (the digit centered, in a random bright color on a random dark
    /// background color), mnist-cnn with <c>--input 3x32x32</c>. Drawing the digit 128 away from the background per
    /// channel instead (so its gray level can match the background's), the same run at 2 threads learned nothing in
    /// 2 epochs (12.75 %).
    /// </summary>
    [TestMethod]
    public void Rgb_32px_jpegs_of_digits_on_colored_backgrounds_two_epochs_reach_93_percent_and_beat_the_MLP_with_input_3x32x32()
    {
        using var folder = new TemporaryFolder("cnnml-eval-jpeg");
        var images = Path.Combine(folder.Path, "digits");
        DigitImageFiles.WriteFolder(images, MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Train, Digits), 0, Digits, side: 32,
            style: DigitImageFiles.Style.ColoredBackground, extension: ".jpg", pad: true);

        var accuracy = Network(images, "3x32x32");
        var baseline = Baseline(images, "3x32x32");
        AssertBeats("mnist-cnn on JPEGs", accuracy, 0.93, baseline, 0.042);
    }
}
