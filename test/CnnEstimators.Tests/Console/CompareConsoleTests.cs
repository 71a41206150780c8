using System.Globalization;
using System.Text.Json;
using CnnMl.Data;
using CnnMl.Inspection;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// <c>cnnml compare</c> (issue 9 item 6): three architectures trained alike on 500 MNIST images and ranked (also on an image
/// folder and on MNIST resized to 3x32x32, through train's data path); the
/// printed table and the JSON agree, ranks follow accuracy, and sizes are <see cref="ModelSummary"/>'s.
/// </summary>
[TestClass]
public sealed class CompareConsoleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private static readonly string[] Architectures = ["lenet5", "mnist-cnn", "depthwise-separable"];

    [TestMethod]
    public void Compare_ranks_every_architecture_by_accuracy_in_its_table_json_and_scatter()
    {
        using var folder = new TemporaryFolder("cnnml-compare");
        var json = folder.File("board.json");
        var plots = Path.Combine(folder.Path, "plots");
        var run = CnnmlProcess.Run(Timeout, "compare", "--archs", string.Join(',', Architectures), "--epochs", "1", "--train-limit", "500",
            "--test-limit", "200", "--threads", "2", "--data", TestPaths.RequireMnist(), "--json", json, "--plots", plots);
        Assert.AreEqual(0, run.ExitCode, run.ToString());

        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var board = document.RootElement;
        Assert.AreEqual("1x28x28", board.GetProperty("input").GetString());
        Assert.AreEqual(500, board.GetProperty("trainImages").GetInt64());
        Assert.AreEqual(200, board.GetProperty("testImages").GetInt64());
        var entries = board.GetProperty("entries").EnumerateArray().ToList();
        CollectionAssert.AreEquivalent(Architectures, entries.Select(e => e.GetProperty("architecture").GetString()).ToList(), "every architecture, once");
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, entries.Select(e => e.GetProperty("rank").GetInt32()).ToList(), "ranked in order");
        for (var i = 1; i < entries.Count; i++)
        {
            var (above, below) = (entries[i - 1], entries[i]);
            var (a, b) = (above.GetProperty("microAccuracy").GetDouble(), below.GetProperty("microAccuracy").GetDouble());
            Assert.IsGreaterThanOrEqualTo(b, a, $"rank {i} has the higher accuracy");
            if (a == b) Assert.IsLessThanOrEqualTo(below.GetProperty("logLoss").GetDouble(), above.GetProperty("logLoss").GetDouble(), "ties: lower log-loss first");
        }
        // One epoch on 500 images: the best network is far above chance (10%).
        Assert.IsGreaterThan(0.3, entries[0].GetProperty("microAccuracy").GetDouble(), run.ToString());

        foreach (var entry in entries)
        {
            var name = entry.GetProperty("architecture").GetString()!;
            var summary = ModelSummary.Of(name, new ImageShape(1, 28, 28), 10);
            Assert.AreEqual(summary.TotalParameters, entry.GetProperty("parameters").GetInt64(), $"{name}: parameters");
            Assert.AreEqual(summary.Macs, entry.GetProperty("macs").GetInt64(), $"{name}: MACs");
            var seconds = entry.GetProperty("trainSeconds").GetDouble();
            Assert.IsGreaterThan(0, seconds, name);
            Assert.AreEqual(500 / seconds, entry.GetProperty("imagesPerSecond").GetDouble(), 0.01 * 500 / seconds, $"{name}: images/s of one epoch");
            var macro = entry.GetProperty("macroAccuracy").GetDouble();
            Assert.IsTrue(macro is > 0 and <= 1, $"{name}: macro-accuracy {macro}");
        }

        AssertTableRowsAreTheJsons(run, entries);

        // The scatter: a point of its own color per architecture (and the same in the legend); the rest is black, white and gray.
        var scatter = PngPicture.Load(Path.Combine(plots, "accuracy-vs-parameters.png"));
        scatter.AssertDrawn(800, 500);
        foreach (var (r, g, b) in new (byte, byte, byte)[] { (31, 119, 180), (255, 127, 14), (44, 160, 44) })
            Assert.IsGreaterThan(2 * 40, scatter.Count(r, g, b, 4), $"the marker and legend entry colored ({r}, {g}, {b})");
        StringAssert.Contains(run.StandardOutput, $"Picture (--plots): {scatter.Path}");
    }

    [TestMethod]
    public void Unknown_architecture_exits_2_naming_it_and_the_closest_name_before_any_training()
    {
        var run = CnnmlInProcess.Run("compare", "--archs", "mnist-cnn,lenet", "--train-limit", "300");
        Assert.AreEqual(2, run.ExitCode, run.ToString());
        Assert.HasCount(1, run.ErrorLines, run.ToString());
        StringAssert.Contains(run.ErrorLines[0], "Unknown architecture 'lenet'");
        StringAssert.Contains(run.ErrorLines[0], "Did you mean 'lenet5'? See 'cnnml compare --help'.");
        Assert.AreEqual("", run.StandardOutput, "nothing started");
    }

    [TestMethod]
    public void An_architecture_that_cannot_take_the_input_is_refused_with_exit_2_naming_it_before_any_training()
    {
        var run = CnnmlInProcess.Run("compare", "--archs", "mnist-cnn,lenet5", "--input", "1x8x8", "--train-limit", "300");
        Assert.AreEqual(2, run.ExitCode, run.ToString());
        Assert.HasCount(1, run.ErrorLines, run.ToString());
        StringAssert.StartsWith(run.ErrorLines[0], "cnnml: error: --archs lenet5: --input 1x8x8: Architecture 'lenet5' cannot take input 1x8x8", run.ToString());
        Assert.AreEqual("", run.StandardOutput, "nothing started");
    }

    [TestMethod]
    public void Compare_on_an_image_folder_uses_trains_held_out_split_and_reports_the_input()
    {
        using var folder = new TemporaryFolder("cnnml-compare-images");
        var images = Path.Combine(folder.Path, "digits");
        DigitImageFiles.WriteFolder(images, MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Train, 200), 0, 200, side: 28);
        var json = folder.File("board.json");
        string[] architectures = ["lenet5", "mnist-cnn"];
        var run = CnnmlProcess.Run(Timeout, "compare", "--archs", string.Join(',', architectures), "--images", images, "--input", "1x28x28",
            "--epochs", "1", "--threads", "2", "--json", json);
        Assert.AreEqual(0, run.ExitCode, run.ToString());

        var split = ImageFolder.Load(images).Split(0.2, seed: 1);
        StringAssert.Contains(run.StandardOutput, $"test set: 20% of {images}, stratified, seed 1: {split.Test.Images.Count} images");
        StringAssert.Contains(run.StandardOutput, "Each: input 1x28x28, 10 classes");
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var board = document.RootElement;
        Assert.AreEqual("1x28x28", board.GetProperty("input").GetString());
        Assert.AreEqual(split.Train.Images.Count, board.GetProperty("trainImages").GetInt64());
        Assert.AreEqual(split.Test.Images.Count, board.GetProperty("testImages").GetInt64());
        StringAssert.Contains(board.GetProperty("data").GetString(), $"from {images}");
        var entries = board.GetProperty("entries").EnumerateArray().ToList();
        CollectionAssert.AreEquivalent(architectures, entries.Select(e => e.GetProperty("architecture").GetString()).ToList());
        AssertSizesAre(entries, new ImageShape(1, 28, 28));
        AssertTableRowsAreTheJsons(run, entries);
    }

    [TestMethod]
    public void Compare_on_MNIST_resized_to_3x32x32_builds_every_architecture_for_it()
    {
        using var folder = new TemporaryFolder("cnnml-compare-rgb");
        var json = folder.File("board.json");
        string[] architectures = ["lenet5", "mnist-cnn"];
        var run = CnnmlProcess.Run(Timeout, "compare", "--archs", string.Join(',', architectures), "--input", "3x32x32", "--epochs", "1",
            "--train-limit", "300", "--test-limit", "100", "--threads", "2", "--data", TestPaths.RequireMnist(), "--json", json);
        Assert.AreEqual(0, run.ExitCode, run.ToString());

        StringAssert.Contains(run.StandardOutput, "Input: MNIST's 1x28x28 digits resized to 3x32x32 (the gray plane in each of the 3 channels)");
        StringAssert.Contains(run.StandardOutput, "Each: input 3x32x32, 10 classes");
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var board = document.RootElement;
        Assert.AreEqual("3x32x32", board.GetProperty("input").GetString());
        Assert.AreEqual(300, board.GetProperty("trainImages").GetInt64());
        Assert.AreEqual(100, board.GetProperty("testImages").GetInt64());
        var entries = board.GetProperty("entries").EnumerateArray().ToList();
        CollectionAssert.AreEquivalent(architectures, entries.Select(e => e.GetProperty("architecture").GetString()).ToList());
        // The 3-channel first convolution has 3 times the 1-channel one's weights: the sizes are the 3x32x32 networks'.
        AssertSizesAre(entries, new ImageShape(3, 32, 32));
        Assert.AreNotEqual(ModelSummary.Of("lenet5", new ImageShape(1, 28, 28), 10).TotalParameters,
            entries.Single(e => e.GetProperty("architecture").GetString() == "lenet5").GetProperty("parameters").GetInt64());
        AssertTableRowsAreTheJsons(run, entries);
    }

    private static void AssertSizesAre(List<JsonElement> entries, ImageShape shape)
    {
        foreach (var entry in entries)
        {
            var name = entry.GetProperty("architecture").GetString()!;
            var summary = ModelSummary.Of(name, shape, 10);
            Assert.AreEqual(summary.TotalParameters, entry.GetProperty("parameters").GetInt64(), $"{name}: parameters at {shape}");
            Assert.AreEqual(summary.Macs, entry.GetProperty("macs").GetInt64(), $"{name}: MACs at {shape}");
        }
    }

    /// <summary>The printed table: one row per architecture in rank order, with the JSON's figures.</summary>
    private static void AssertTableRowsAreTheJsons(CnnmlRun run, List<JsonElement> entries)
    {
        var rows = run.OutputLines.Where(l => l.StartsWith('│') && !l.Contains("Architecture", StringComparison.Ordinal))
            .Select(l => l.Trim('│').Split('│').Select(c => c.Trim()).ToArray()).ToList();
        Assert.HasCount(entries.Count, rows, run.ToString());
        for (var i = 0; i < rows.Count; i++)
        {
            var entry = entries[i];
            CollectionAssert.AreEqual(
                new[]
                {
                    $"{i + 1}", entry.GetProperty("architecture").GetString(),
                    entry.GetProperty("microAccuracy").GetDouble().ToString("P2", CultureInfo.InvariantCulture),
                    entry.GetProperty("macroAccuracy").GetDouble().ToString("P2", CultureInfo.InvariantCulture),
                    entry.GetProperty("logLoss").GetDouble().ToString("F4", CultureInfo.InvariantCulture),
                    entry.GetProperty("parameters").GetInt64().ToString("N0", CultureInfo.InvariantCulture),
                },
                rows[i][..6], $"table row {i + 1}\n{run.StandardOutput}");
        }
    }
}
