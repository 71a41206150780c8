using CnnMl.Data;
using CnnMl.Demo;
using CnnMl.Demo.Rendering;
using CnnMl.Tests.Support;
using Microsoft.ML.Data;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// What a new user hit (issue 22 §5), one test each: a model that learned nothing is called out with what to try; a time
/// budget that ends at the epoch cap says so; <c>cnnml --help</c> and <c>cnnml help</c> tell of the guided mode and of
/// <c>--images</c>; damaged images neither abort <c>train --skip-bad-files</c> nor stop <c>predict</c> from answering the
/// good files, and every bad one is named in printable text; <c>evaluate</c> names the data an image-folder model needs;
/// <c>predict</c> notices a light background on an MNIST model and <c>--invert</c> fixes it.
/// </summary>
[TestClass]
[DoNotParallelize] // in-process runs point AnsiConsole.Console at their test console
public sealed class NewUserFindingsConsoleTests
{
    private static string[] Mnist(int train, int test) => ["--train-limit", $"{train}", "--test-limit", $"{test}", "--data", TestPaths.RequireMnist()];

    [TestMethod]
    public void Warning_names_a_model_that_answers_one_class_or_guesses_and_spares_one_that_learned()
    {
        string[] names = ["0", "1", "2"];
        // Every image predicted "2": accuracy is the share of 2s, 40 %, not near chance (33 %), but one class takes all.
        var oneClass = LearnedNothingWarning.For(0.4, [[0, 0, 30], [0, 0, 30], [0, 0, 40]], names, "cnnml lr-find --arch lenet5");
        StringAssert.Contains(oneClass, "it answers '2' for 100 % of the test images");
        StringAssert.Contains(oneClass, "Try more epochs, or the learning rate that 'cnnml lr-find --arch lenet5' suggests");
        // Spread answers at 36 %: within 5 points of 33 %.
        var guessing = LearnedNothingWarning.For(0.36, [[12, 10, 11], [11, 12, 10], [10, 12, 12]], names, "lr-find");
        StringAssert.Contains(guessing, "test accuracy 36.00 % is within 5 points of guessing (33.33 % for 3 classes)");
        // 40 % spread over the classes: above chance by 7 points, no class over 90 %: no warning (the 5-point margin is what separates them).
        Assert.IsNull(LearnedNothingWarning.For(0.40, [[14, 10, 9], [10, 13, 10], [9, 11, 14]], names, "lr-find"));
        Assert.IsNull(LearnedNothingWarning.For(0.9, [[30, 2, 1], [2, 29, 2], [1, 2, 31]], names, "lr-find"));
    }

    [TestMethod]
    public void Train_that_learned_nothing_says_so_plainly_and_suggests_lr_find()
    {
        // Plain SGD at 1e-4 for one epoch of 200 digits moves the weights too little: the run scores about chance (10 %).
        var run = CnnmlInProcess.Run(["train", "--optimizer", "sgd", "--lr", "0.0001", "--epochs", "1", "--report-every", "0", "--threads", "1", .. Mnist(200, 100)]);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var output = run.StandardOutput.Replace("\n", "", StringComparison.Ordinal);
        StringAssert.Contains(output, "This model has learned next to nothing: ", run.ToString());
        StringAssert.Contains(output, "Try more epochs, or the learning rate that 'cnnml lr-find --arch mnist-cnn (and this run's data options)' suggests.", run.ToString());
    }

    [TestMethod]
    public void A_time_budget_that_ends_at_the_epoch_cap_says_so()
    {
        var run = CnnmlInProcess.Run(["train", "--epochs", "1", "--max-minutes", "30", "--report-every", "0", "--threads", "1", .. Mnist(200, 50)]);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.StandardOutput.Replace("\n", "", StringComparison.Ordinal),
            "Epoch cap reached: all 1 epoch(s) ran in ", run.ToString());
        StringAssert.Contains(run.StandardOutput.Replace("\n", "", StringComparison.Ordinal), "within the 30-minute budget; raise --epochs to use all of it.");
    }

    [TestMethod]
    public void Help_tells_of_the_guided_mode_and_cnnml_help_is_a_command()
    {
        var help = CnnmlInProcess.Run("--help");
        Assert.AreEqual(0, help.ExitCode, help.ToString());
        StringAssert.Contains(help.StandardOutput, "GUIDED MODE:");
        StringAssert.Contains(help.StandardOutput, "With no arguments, in a terminal: questions about the data, network and budget, then training, and the equivalent command line.");
        StringAssert.Contains(help.StandardOutput, "Train an architecture on MNIST or your image folder (--images DIR)");
        StringAssert.Contains(help.StandardOutput, "or on an image folder (--images DIR) for a model trained on one");
        StringAssert.Contains(help.StandardOutput, "lr-find");

        var word = CnnmlInProcess.Run("help");
        Assert.AreEqual(0, word.ExitCode, word.ToString());
        Assert.AreEqual(help.StandardOutput, word.StandardOutput, "cnnml help is cnnml --help");

        var command = CnnmlInProcess.Run("help", "train");
        Assert.AreEqual(0, command.ExitCode, command.ToString());
        StringAssert.Contains(command.StandardOutput, "--skip-bad-files");
        StringAssert.Contains(command.StandardOutput, "--optimizer");
    }

    [TestMethod]
    public void Damaged_images_are_named_in_printable_text_skipped_on_request_and_an_image_folder_model_asks_for_its_data()
    {
        using var folder = new TemporaryFolder("cnnml-bad-files");
        var images = Path.Combine(folder.Path, "shapes");
        WriteShapes(images, perClass: 12);
        var badType = Path.Combine(images, "circle", "bad-type.png");
        var cut = Path.Combine(images, "bar", "cut.png");
        DamageChunkType(Path.Combine(images, "circle", "circle-000.png"), badType);
        var whole = File.ReadAllBytes(Path.Combine(images, "bar", "bar-001.png"));
        File.WriteAllBytes(cut, whole[..(whole.Length / 2)]);

        // Without --skip-bad-files: one line naming both files and their defects, the chunk type as hex, and the way out.
        var refused = CnnmlInProcess.Run("train", "--images", images, "--arch", "lenet5", "--epochs", "1");
        Assert.AreEqual(1, refused.ExitCode, refused.ToString());
        var line = refused.ErrorLines.Single();
        StringAssert.Contains(line, "holds 2 damaged image file(s)", refused.ToString());
        StringAssert.Contains(line, $"'{badType}': PNG chunk at byte 33 has an invalid type (bytes 3F3C009A, not four ASCII letters)", refused.ToString());
        StringAssert.Contains(line, $"'{cut}': PNG chunk 'IDAT' at byte 49 declares ", refused.ToString());
        StringAssert.Contains(line, "add --skip-bad-files to train on the rest", refused.ToString());
        Assert.IsTrue(line.All(c => c is >= ' ' and <= '~'), $"printable ASCII only: {line}");

        // With it: every skipped file listed with its defect, training on the other 24 images.
        var model = Path.Combine(folder.Path, "shapes.zip");
        var trained = CnnmlInProcess.Run("train", "--images", images, "--arch", "lenet5", "--epochs", "1", "--skip-bad-files", "--report-every", "0",
            "--threads", "1", "--out", model);
        Assert.AreEqual(0, trained.ExitCode, trained.ToString());
        StringAssert.Contains(trained.StandardOutput, "Skipped 2 damaged image file(s) of --images (--skip-bad-files):", trained.ToString());
        StringAssert.Contains(trained.StandardOutput, $"{cut}: PNG chunk 'IDAT' at byte 49 declares ", trained.ToString());
        StringAssert.Contains(trained.StandardOutput, $"{badType}: PNG chunk at byte 33 has an invalid type", trained.ToString());
        StringAssert.Contains(trained.StandardOutput, "Data: 20 training images in 2 labels", trained.ToString());

        // The image-folder model, evaluated without --images, says which data it needs instead of ML.NET's missing column.
        var evaluate = CnnmlInProcess.Run("evaluate", "--model", model);
        Assert.AreEqual(1, evaluate.ExitCode, evaluate.ToString());
        StringAssert.Contains(evaluate.ErrorLines.Single(),
            $"--model {model} was trained on an image folder: it reads images (its 'ImageSource' column; classes bar, circle), not MNIST's digits. Give the test images with --images DIR");

        // predict answers the good files and reports each bad one, exit 1 at the end.
        var good = Path.Combine(images, "bar", "bar-003.png");
        var predict = CnnmlInProcess.Run("predict", "--model", model, good, badType, cut);
        Assert.AreEqual(1, predict.ExitCode, predict.ToString());
        StringAssert.Contains(predict.StandardOutput, "bar-003.png", predict.ToString());
        Assert.IsFalse(predict.StandardOutput.Contains("cut.png", StringComparison.Ordinal), predict.ToString());
        var report = predict.ErrorLines.Single();
        StringAssert.Contains(report, "2 of 3 image(s) could not be read: ", predict.ToString());
        StringAssert.Contains(report, $"'{badType}': PNG chunk at byte 33 has an invalid type (bytes 3F3C009A", predict.ToString());
        StringAssert.Contains(report, $"'{cut}': PNG chunk 'IDAT' at byte 49 declares ", predict.ToString());
    }

    [TestMethod]
    public void Predict_notices_a_light_background_on_an_MNIST_model_and_invert_reads_it_as_the_original()
    {
        var model = TrainedConsoleModel.Get().ModelPath;
        using var folder = new TemporaryFolder("cnnml-invert");
        var digits = MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Test, maxRows: 1);
        var original = folder.File("digit.png");
        var inverted = folder.File("paper.png");
        DigitImageFiles.WriteGrayscale(original, digits.Pixels);
        DigitImageFiles.WriteGrayscale(inverted, digits.Pixels.Select(p => (byte)(255 - p)).ToArray());

        var plain = CnnmlInProcess.Run("predict", "--model", model, original, inverted, "--top", "1");
        Assert.AreEqual(0, plain.ExitCode, plain.ToString());
        var text = plain.StandardOutput.Replace("\n", "", StringComparison.Ordinal);
        StringAssert.Contains(text, $"'{inverted}': light background. This model was trained on MNIST's light digits on black", plain.ToString());
        Assert.IsFalse(text.Contains($"'{original}': light", StringComparison.Ordinal), "the MNIST digit itself is not flagged");

        // --invert: the inverted file becomes the original's pixels exactly, so it gets the original's answer and score.
        var fixedRun = CnnmlInProcess.Run("predict", "--model", model, inverted, "--invert", "--top", "1");
        Assert.AreEqual(0, fixedRun.ExitCode, fixedRun.ToString());
        Assert.IsFalse(fixedRun.StandardOutput.Contains("light background", StringComparison.Ordinal), fixedRun.ToString());
        Assert.AreEqual(ResultCells(plain.StandardOutput, original), ResultCells(fixedRun.StandardOutput, inverted));
    }

    /// <summary>The label and top-score cells of the table row of <paramref name="path"/>.</summary>
    private static string ResultCells(string output, string path)
    {
        var row = output.Split('\n').Single(l => l.Contains(path, StringComparison.Ordinal));
        return string.Join('|', row.Split('│', StringSplitOptions.TrimEntries).Skip(2));
    }

    /// <summary>Writes <paramref name="perClass"/> circle and bar PNGs into label folders "circle" and "bar".</summary>
    private static void WriteShapes(string folder, int perClass)
    {
        var random = new Random(3);
        foreach (var label in CircleBarImages.Classes) Directory.CreateDirectory(Path.Combine(folder, label));
        for (var i = 0; i < 2 * perClass; i++)
        {
            var isCircle = i % 2 == 0;
            var label = isCircle ? "circle" : "bar";
            using var image = MLImage.CreateFromPixels(CircleBarImages.Size, CircleBarImages.Size, MLPixelFormat.Bgra32, CircleBarImages.Pixels(isCircle, random));
            image.Save(Path.Combine(folder, label, $"{label}-{i:D3}.png"));
        }
    }

    /// <summary>A copy of the PNG <paramref name="from"/> whose second chunk (after the 13-byte IHDR: byte 33) has the type bytes 3F 3C 00 9A.</summary>
    private static void DamageChunkType(string from, string to)
    {
        var bytes = File.ReadAllBytes(from);
        byte[] type = [0x3F, 0x3C, 0x00, 0x9A];
        type.CopyTo(bytes, 33 + 4);
        File.WriteAllBytes(to, bytes);
    }
}
