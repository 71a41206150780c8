using CnnMl.Data;
using CnnMl.Tests.Support;
using CnnMl.Training;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// <c>--validation-fraction F</c> on <c>train</c> and <c>compare</c> (the options they share): the trainer's
/// <see cref="CnnTrainerOptions.ValidationSetFraction"/>, so validation runs on a held-out share of the training
/// images instead of the test images; bad values exit 2 with one line before any work.
/// </summary>
[TestClass]
public sealed class ValidationFractionConsoleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [TestMethod]
    [DataRow("train", "0")]
    [DataRow("train", "1")]
    [DataRow("train", "1.5")]
    [DataRow("compare --archs mnist-cnn,lenet5", "-0.1")]
    public void Out_of_range_exits_2_with_one_line(string command, string value)
    {
        var run = CnnmlProcess.Run(Timeout, [.. command.Split(' '), "--validation-fraction", value]);
        Assert.AreEqual(2, run.ExitCode, run.ToString());
        Assert.HasCount(1, run.ErrorLines, run.ToString());
        StringAssert.Contains(run.ErrorLines[0], $"--validation-fraction must be between 0 and 1 (exclusive), e.g. 0.1 (got {value})", run.ToString());
        Assert.AreEqual("", run.StandardOutput, run.ToString());
    }

    [TestMethod]
    public void Train_holds_out_a_tenth_of_each_digit_and_validates_on_it()
    {
        // 500 MNIST training digits: round(0.1 × the count of each digit) are held out; the epoch trains on the rest and
        // its end line carries the validation accuracy of the held-out digits.
        var mnist = MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Train, 500);
        var held = Enumerable.Range(0, 10).Sum(d => StratifiedHoldOut.HeldCount(mnist.Labels.Count(l => l == d), 0.1));
        var run = CnnmlProcess.Run(Timeout, "train", "--validation-fraction", "0.1", "--epochs", "1", "--train-limit", "500", "--test-limit", "100",
            "--report-every", "0", "--threads", "2");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.StandardOutput, $"1 epoch(s) of {500 - held} images", run.ToString());
        StringAssert.Matches(run.StandardOutput, new System.Text.RegularExpressions.Regex($@"epoch 1/1 \[{500 - held}/{500 - held} \(100%\)\].*validation acc \d+\.\d\d%"), run.ToString());
        StringAssert.Contains(run.StandardOutput, "test accuracy:", run.ToString());
    }
}
