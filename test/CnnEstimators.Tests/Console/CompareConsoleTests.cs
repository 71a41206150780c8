using System.Globalization;
using System.Text.Json;
using CnnMl.Inspection;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// <c>cnnml compare</c> (issue 9 item 6): three architectures trained alike on 500 MNIST images and ranked; the
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

        // The printed table: one row per architecture in rank order, with the JSON's figures.
        var rows = run.OutputLines.Where(l => l.StartsWith('│') && !l.Contains("Architecture", StringComparison.Ordinal))
            .Select(l => l.Trim('│').Split('│').Select(c => c.Trim()).ToArray()).ToList();
        Assert.HasCount(3, rows, run.ToString());
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

        // The scatter: a point of its own colour per architecture (and the same in the legend); the rest is black, white and gray.
        var scatter = PngPicture.Load(Path.Combine(plots, "accuracy-vs-parameters.png"));
        scatter.AssertDrawn(800, 500);
        foreach (var (r, g, b) in new (byte, byte, byte)[] { (31, 119, 180), (255, 127, 14), (44, 160, 44) })
            Assert.IsGreaterThan(2 * 40, scatter.Count(r, g, b, 4), $"the marker and legend entry coloured ({r}, {g}, {b})");
        StringAssert.Contains(run.StandardOutput, $"Picture (--plots): {scatter.Path}");
    }

    [TestMethod]
    public void Unknown_architecture_exits_2_naming_it_and_the_closest_name_before_any_training()
    {
        var run = CnnmlProcess.Run(Timeout, "compare", "--archs", "mnist-cnn,lenet", "--train-limit", "300");
        Assert.AreEqual(2, run.ExitCode, run.ToString());
        Assert.HasCount(1, run.ErrorLines, run.ToString());
        StringAssert.Contains(run.ErrorLines[0], "Unknown architecture 'lenet'");
        StringAssert.Contains(run.ErrorLines[0], "Did you mean 'lenet5'? See 'cnnml compare --help'.");
        Assert.AreEqual("", run.StandardOutput, "nothing started");
    }

    [TestMethod]
    public void Input_other_than_MNISTs_fails_before_training_and_says_why()
    {
        var run = CnnmlProcess.Run(Timeout, "compare", "--archs", "mnist-cnn", "--input", "3x32x32", "--train-limit", "300");
        Assert.AreEqual(1, run.ExitCode, run.ToString());
        Assert.HasCount(1, run.ErrorLines, run.ToString());
        StringAssert.Contains(run.ErrorLines[0], "--input 3x32x32: compare reads MNIST at its own shape, 1x28x28");
        Assert.AreEqual("", run.StandardOutput, "nothing started");
    }
}
