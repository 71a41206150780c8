using System.Globalization;
using System.Text.RegularExpressions;
using CnnMl.Data;
using CnnMl.Demo.Rendering;
using CnnMl.Demo.Wizard;
using CnnMl.Tests.Support;
using Spectre.Console;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// The guided mode end to end (issue 9, "Guided mode"): a whole run through scripted keys on a small MNIST subset,
/// and <c>cnnml</c> without a terminal, which must never prompt.
/// </summary>
[TestClass]
[DoNotParallelize] // the guided mode sets AnsiConsole.Console for its run
public sealed partial class GuidedModeRunTests
{
    private string _folder = "";

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("cnnml-wizard-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public void A_full_run_on_600_MNIST_images_trains_evaluates_tries_two_images_saves_and_prints_the_command_line()
    {
        var mnist = TestPaths.RequireMnist();
        var model = Path.Combine(_folder, "digits.zip");
        // MNIST's first test digit as a PNG, as a user would have one: "try it" must read it as cnnml predict does.
        var digits = MnistDataset.Load(mnist, MnistSplit.Test, maxRows: 1);
        var digitFile = Path.Combine(_folder, "my-digit.png");
        DigitImageFiles.WriteGrayscale(digitFile, digits.Pixels);
        Assert.IsFalse(TorchSharp.torch.cuda.is_available(), "assumes a machine without CUDA: the keys below answer no device question");
        var console = GuidedModeStepTests.NewConsole();
        console.Profile.Width = 250; // the temporary paths are long: keep the lines checked below whole
        console.Input.PushKey(ConsoleKey.Enter);             // 1 scenario: image classification
        console.Input.PushKey(ConsoleKey.Enter);             // 2 data: MNIST
        console.Input.PushTextWithEnter(mnist);              //   the MNIST folder
        console.Input.PushTextWithEnter("600");              //   training images
        console.Input.PushTextWithEnter("300");              //   test images
        console.Input.PushKey(ConsoleKey.Enter);             // 3 architecture: mnist-cnn
                                                             // 4 environment: CPU (no CUDA here: no question)
        console.Input.PushKey(ConsoleKey.Enter);             // 5 budget: epochs
        console.Input.PushTextWithEnter("1");                //   1 epoch
        console.Input.PushKey(ConsoleKey.Enter);             //   training controls: the defaults
        console.Input.PushKey(ConsoleKey.Enter);             // 8 try it: a random test image
        console.Input.PushKey(ConsoleKey.UpArrow);           //   then (the default is now "no more"): an image file
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushKey(ConsoleKey.Escape);            //   Escape at the file question: back to the menu
        console.Input.PushKey(ConsoleKey.UpArrow);           //   an image file again
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushTextWithEnter(digitFile);
        console.Input.PushKey(ConsoleKey.Escape);            //   Escape at the menu: discard the model and go back?
        console.Input.PushKey(ConsoleKey.Enter);             //     Enter: no, step 8 again
        console.Input.PushKey(ConsoleKey.DownArrow);         //   no more (the third choice)
        console.Input.PushKey(ConsoleKey.DownArrow);
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushKey(ConsoleKey.Escape);            // 9 save: Escape, back to step 8
        console.Input.PushKey(ConsoleKey.DownArrow);         //   no more
        console.Input.PushKey(ConsoleKey.DownArrow);
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushKey(ConsoleKey.Enter);             // 9 save: yes
        console.Input.PushTextWithEnter(model);              //   the file

        var previous = AnsiConsole.Console;
        var exitCode = GuidedMode.Run(console, CancellationToken.None);
        var output = console.Output;
        Console.WriteLine(output);

        Assert.AreEqual(0, exitCode);
        Assert.AreSame(previous, AnsiConsole.Console, "The guided mode puts the process's console back.");
        for (var step = 1; step <= GuidedRun.StepCount; step++)
            StringAssert.Contains(output, $"{step}/{GuidedRun.StepCount} ", $"step {step}'s heading");
        // Escape after training: the file question back to the menu, the menu to a "discard?" question (no), saving back to step 8.
        StringAssert.Contains(output, "Go back to the training controls? The trained model is discarded (not saved). [y/n] (n):");
        StringAssert.Contains(output, "Escape: back to trying the model.");
        Assert.AreEqual(3, Regex.Matches(output, "8/10 Try it").Count, "step 8 shown first, after 'no', and after Escape at saving");
        Assert.AreEqual(1, Regex.Matches(output, "6/10 Training").Count, "trained once");
        Assert.IsFalse(console.Input.IsKeyAvailable(), "every key was read");
        StringAssert.Contains(output, "Data: 600 training and 300 test images");
        StringAssert.Contains(output, "epoch 1/1");
        StringAssert.Contains(output, "Per class");
        StringAssert.Contains(output, "Confusion matrix");

        // The evaluation's accuracy beats chance (10 %) by far, and the saved zip, reloaded with ML.NET, scores the same.
        var accuracy = Percent(MicroAccuracy().Match(output));
        Assert.IsTrue(accuracy > 30, $"1 epoch on 600 digits reaches far above chance (10 %; 49.3 % measured); got {accuracy} %.");
        Assert.AreEqual(accuracy, Percent(ReloadedAccuracy().Match(output)), "the reloaded zip's accuracy");

        // "Try it" drew a test digit and named a predicted class, then drew the PNG exactly as MNIST's own pixels draw
        // (decoded, grayscale, / 255) and named a class for it too.
        StringAssert.Matches(output, TriedImage());
        var drawn = DigitView.Render(digits.Pixels.Select(p => p / 255f).ToArray(), 28, 28)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(row => $"│ {row.TrimEnd('\r')} │");
        StringAssert.Contains(output, "my-digit.png");
        StringAssert.Contains(output, string.Join('\n', drawn), "the PNG's drawing");
        Assert.AreEqual(2, PredictedLine().Matches(output).Count, "one prediction per image tried");

        Assert.IsTrue(File.Exists(model), "the model zip");
        Assert.IsTrue(new FileInfo(model).Length > 100_000, "the zip holds the network's weights");
        var code = Path.Combine(_folder, "digits.consume.cs");
        Assert.IsTrue(File.Exists(code), "the consumption code beside the zip");
        StringAssert.Contains(output, "public partial class Digits", "the consumption code (class named after the zip) is printed");

        var expected = $"cnnml train --arch mnist-cnn --epochs 1 --data {mnist} --train-limit 600 --test-limit 300 --report-every 1 --out {model}";
        if (mnist == Demo.Cli.OutputFiles.MnistDirectory(null)) expected = expected.Replace($" --data {mnist}", "", StringComparison.Ordinal);
        StringAssert.Contains(output, expected);
        var parsed = GuidedModeStepTests.ParseTrain(expected.Split(' ')[1..]);
        Assert.AreEqual(600, parsed.TrainLimit);
        Assert.AreEqual(model, parsed.Out);
    }

    [TestMethod]
    public void A_full_run_on_an_image_folder_trains_through_train_images_saves_the_input_chain_and_prints_images_and_input()
    {
        var mnist = TestPaths.RequireMnist();
        var folder = Path.Combine(_folder, "digit images");
        DigitImageFiles.WriteFolder(folder, MnistDataset.Load(mnist, MnistSplit.Train, 300), 0, 300, side: 32);
        var split = ImageFolder.Load(folder).Split(0.2, 1);
        var model = Path.Combine(_folder, "folder.zip");
        var console = GuidedModeStepTests.NewConsole();
        console.Profile.Width = 250;
        console.Input.PushKey(ConsoleKey.Enter);             // 1 scenario: image classification
        console.Input.PushKey(ConsoleKey.DownArrow);         // 2 data: my image folder
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushTextWithEnter(folder);             //   the folder
        console.Input.PushKey(ConsoleKey.Enter);             // 3 architecture: mnist-cnn
        console.Input.PushKey(ConsoleKey.Enter);             //   input: its own, 1x28x28 (the 32x32 files are resized)
        console.Input.PushKey(ConsoleKey.Enter);             // 5 budget: epochs
        console.Input.PushTextWithEnter("2");                //   2 epochs
        console.Input.PushKey(ConsoleKey.Enter);             //   training controls: the defaults
        console.Input.PushKey(ConsoleKey.Enter);             // 8 try it: a random test image of the folder
        console.Input.PushKey(ConsoleKey.Enter);             //   then: no more
        console.Input.PushKey(ConsoleKey.Enter);             // 9 save: yes
        console.Input.PushTextWithEnter(model);              //   the file

        var exitCode = GuidedMode.Run(console, CancellationToken.None);
        var output = console.Output;
        Console.WriteLine(output);

        Assert.AreEqual(0, exitCode);
        // train --images' own loading and split: the same lines cnnml train prints.
        StringAssert.Contains(output, $"Data: {split.Train.Images.Count} training images in 10 labels from {folder}");
        StringAssert.Contains(output, $"test set: 20% of {folder}, stratified, seed 1: {split.Test.Images.Count} images");
        StringAssert.Contains(output, "Input: each image resized to 1x28x28 (grayscale, pixel / 255)");
        StringAssert.Matches(output, FolderTestImage());
        var accuracy = Percent(MicroAccuracy().Match(output));
        Assert.IsTrue(accuracy > 20, $"2 epochs on {split.Train.Images.Count} digit files beat chance (10 %); got {accuracy} %.");
        Assert.AreEqual(accuracy, Percent(ReloadedAccuracy().Match(output)), "the reloaded zip (image chain + network) scores the same");

        // The zip reads the image's bytes: the input chain is saved in it. The consumption code names the data and the epochs.
        var code = File.ReadAllText(Path.Combine(_folder, "folder.consume.cs"));
        StringAssert.Contains(code, "public byte[] ImageSource { get; set; }");
        StringAssert.Contains(code, $"2 epoch(s) on {split.Train.Images.Count} images from {folder}, input 1x28x28");

        var expected = $"cnnml train --arch mnist-cnn --epochs 2 --images '{folder}' --input 1x28x28 --report-every 1 --out {model}";
        StringAssert.Contains(output, expected);
        var parsed = GuidedModeStepTests.ParseTrain(["train", "--arch", "mnist-cnn", "--epochs", "2", "--images", folder, "--input", "1x28x28", "--report-every", "1", "--out", model]);
        Assert.AreEqual(folder, parsed.Images);
        Assert.IsTrue(parsed.Validate().Successful);
        StringAssert.Contains(output, $"Classify your own images with: cnnml predict --model {model}");
    }

    [TestMethod]
    public void Without_a_terminal_cnnml_prints_usage_and_exits_2_without_prompting()
    {
        // CnnmlProcess redirects standard input, output and error: no terminal.
        var run = CnnmlProcess.Run(TimeSpan.FromMinutes(1));

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.Contains(run.StandardOutput, "USAGE:", run.ToString());
        StringAssert.Contains(run.StandardOutput, "train", run.ToString());
        Assert.AreEqual(GuidedMode.NoTerminalMessage, run.ErrorLines.Single(), run.ToString());
        Assert.IsFalse(run.StandardOutput.Contains("guided mode", StringComparison.Ordinal), "no prompt may start");
        Assert.IsTrue(run.Elapsed < TimeSpan.FromSeconds(30), $"It returns at once; took {run.Elapsed}.");
    }

    private static double Percent(Match match)
    {
        Assert.IsTrue(match.Success, "figure not found in the output");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"Micro-accuracy\s*│\s*([0-9.]+) ?%")]
    private static partial Regex MicroAccuracy();

    [GeneratedRegex(@"Reloaded with ML\.NET: test accuracy ([0-9.]+) ?%")]
    private static partial Regex ReloadedAccuracy();

    [GeneratedRegex(@"^Predicted [0-9] — [0-9]: ", RegexOptions.Multiline)]
    private static partial Regex PredictedLine();

    [GeneratedRegex(@"test image [0-9,]+ \(label [0-9]\)[\s\S]*Predicted [0-9] — [0-9]: ")]
    private static partial Regex TriedImage();

    [GeneratedRegex(@"test image [0-9,]+: [0-9]+\.png \(label [0-9]\)\s*\nPredicted [0-9] — [0-9]: ")]
    private static partial Regex FolderTestImage();
}
