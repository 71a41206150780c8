using System.Globalization;
using System.Text.RegularExpressions;
using CnnMl.Tests.Support;
using CnnMl.Training;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// <c>cnnml lr-find</c> (issue 22 §2): the library's range test from the command line, its suggestion printed, the
/// curve and <c>suggestedLearningRate</c> in <c>--json</c>, and <c>lr-find.png</c> in <c>--plots</c>; bad ranges and
/// options that mean nothing to the test exit 2. (That the suggestion trains as well as the hand-picked 1e-3, and that
/// the test leaves the model untouched, is tested on the library: LearningRateFinderEvaluationTests.)
/// </summary>
[TestClass]
public sealed class LrFindConsoleTests
{
    [TestMethod]
    public void Lr_find_prints_the_suggestion_and_writes_the_curve_and_its_picture()
    {
        using var folder = new TemporaryFolder("cnnml-lr-find");
        var json = folder.File("lr.json");
        var plots = Path.Combine(folder.Path, "plots");
        // 30 steps of 32 of 640 digits: the rates climb from 1e-7 towards 10 in 30 steps, far enough to cross the useful range.
        var run = CnnmlInProcess.Run("lr-find", "--steps", "30", "--batch-size", "32", "--train-limit", "640", "--test-limit", "10", "--threads", "1",
            "--data", TestPaths.RequireMnist(), "--json", json, "--plots", plots);
        Assert.AreEqual(0, run.ExitCode, run.ToString());

        var result = LearningRateFinderResult.FromJson(File.ReadAllText(json));
        Assert.AreEqual("mnist-cnn", result.Architecture);
        Assert.AreEqual(32, result.BatchSize);
        Assert.IsTrue(result.Curve.Count is >= 10 and <= 30, $"{result.Curve.Count} steps");
        Assert.AreEqual(1e-7, result.Curve[0].LearningRate, 1e-12);
        for (var i = 1; i < result.Curve.Count; i++)
            Assert.AreEqual(Math.Pow(1e8, 1.0 / 30), result.Curve[i].LearningRate / result.Curve[i - 1].LearningRate, 1e-9, "geometric rise");
        Assert.AreEqual(Math.Min(result.SteepestLearningRate, result.LowestLossLearningRate / 10), result.SuggestedLearningRate);

        // The printed suggestion is the file's, and the command to train with it is printed.
        var suggested = result.SuggestedLearningRate.ToString("G3", CultureInfo.InvariantCulture);
        StringAssert.Matches(run.StandardOutput, new Regex($@"suggested \(the lower of the first two\)\s*│\s*{Regex.Escape(suggested)} "), run.ToString());
        StringAssert.Contains(run.StandardOutput, $"Train with it: cnnml train --arch mnist-cnn --lr {suggested}", run.ToString());

        var picture = PngPicture.Load(Path.Combine(plots, "lr-find.png"));
        picture.AssertDrawn(900, 550);
        // The suggestion's red marker and dashed line (214, 39, 40) are drawn.
        Assert.IsGreaterThan(50, picture.Count(214, 39, 40, tolerance: 10), "the suggested rate is marked");
    }

    [TestMethod]
    [DataRow("--steps 5", "--steps must be at least 10 (got 5)")]
    [DataRow("--start-lr 0", "--start-lr must be a positive number (got 0)")]
    [DataRow("--end-lr 1e-8", "--end-lr must be above --start-lr (1E-07); got 1E-08")]
    [DataRow("--schedule cosine", "lr-find sets the rate of every step itself")]
    [DataRow("--optimizer lion", "--optimizer expects one of adam, adamw, sgd, got 'lion'")]
    [DataRow("--arch lenet", "Did you mean 'lenet5'?")]
    public void Bad_range_or_option_exits_2_with_one_line(string arguments, string expected)
    {
        var run = CnnmlInProcess.Run(["lr-find", .. arguments.Split(' ')]);
        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLines.Single(), expected, run.ToString());
        Assert.AreEqual("", run.StandardOutput, run.ToString());
    }
}
