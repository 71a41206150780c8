using CnnMl.Tests.Support;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// A learning rate that makes training diverge ends the console run with exit code 1 and the one-line
/// non-finite-loss message (issue 10, "NaN"), instead of training an all-NaN model and exiting 0.
/// </summary>
[TestClass]
public sealed class DivergingTrainingTests
{
    [TestMethod]
    public void TrainWithLearningRate1e30Exits1WithTheNonFiniteLossLine()
    {
        TestPaths.RequireMnist();
        var run = CnnmlProcess.Run(TimeSpan.FromMinutes(5), "train", "--lr", "1e30");
        Assert.AreEqual(1, run.ExitCode, run.ToString());
        var line = run.ErrorLines.Single();
        StringAssert.StartsWith(line, "cnnml: error: Training diverged: the loss became ");
        StringAssert.Contains(line, "at epoch 1, batch ");
        StringAssert.Contains(line, " of 938 (learning rate 1E+30). Lower CnnTrainerOptions.Optimizer.LearningRate (cnnml --lr; default 1e-3)");
        Assert.DoesNotContain("(100%)", run.StandardOutput, "training stopped within the first epoch");
    }
}
