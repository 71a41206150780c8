namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// The train options the guided mode's equivalent command line uses beyond the original ones (--max-minutes,
/// --device, --frames): bad values exit 2 with one line before any work, as every option does; a time budget
/// ends a run early and keeps the model.
/// </summary>
[TestClass]
public sealed class TrainBudgetOptionsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [TestMethod]
    [DataRow("--max-minutes 0", "--max-minutes must be a positive number of minutes (got 0)")]
    [DataRow("--max-minutes soon", "--max-minutes expects a number, got 'soon'")]
    [DataRow("--device gpu", "--device expects one of cpu, cuda, got 'gpu'")]
    [DataRow("--frames 4", "--frames makes volumes for 3D networks; 'mnist-cnn' reads 1x28x28 images")]
    [DataRow("--arch conv3d --frames 0", "--frames must be at least 1 (got 0)")]
    public void Bad_budget_device_or_frames_exits_2_with_one_line(string arguments, string expected)
    {
        var run = CnnmlInProcess.Run(["train", .. arguments.Split(' ')]);

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        Assert.HasCount(1, run.ErrorLines, run.ToString());
        StringAssert.Contains(run.ErrorLines[0], expected, run.ToString());
        Assert.AreEqual("", run.StandardOutput, run.ToString());
    }

    [TestMethod]
    public void A_time_budget_ends_training_early_and_keeps_the_model()
    {
        // 3 seconds cannot cover 50 epochs of 2,000 images on any machine here (one epoch takes several seconds).
        var folder = Directory.CreateTempSubdirectory("cnnml-budget-").FullName;
        try
        {
            var metrics = Path.Combine(folder, "metrics.json");
            var run = CnnmlProcess.Run(Timeout, "train", "--epochs", "50", "--max-minutes", "0.05", "--train-limit", "2000", "--test-limit", "200",
                "--report-every", "0", "--metrics-json", metrics);

            Assert.AreEqual(0, run.ExitCode, run.ToString());
            StringAssert.Contains(run.StandardOutput, "Time limit reached: training stopped after", run.ToString());
            StringAssert.Contains(run.StandardOutput, "test accuracy:", run.ToString());
            Assert.IsFalse(run.StandardOutput.Contains("epoch 50/50", StringComparison.Ordinal), run.ToString());
            // The metrics say how many epochs the model had, not the bound that was asked for.
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(metrics));
            var epochs = json.RootElement.GetProperty("epochs").GetInt32();
            Assert.IsTrue(epochs is >= 1 and < 50, $"epochs {epochs}");
            StringAssert.Contains(run.StandardOutput, $"epoch {epochs}/50 ", run.ToString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void Conv3d_trains_on_shifted_frame_clips_from_the_command_line()
    {
        var run = CnnmlProcess.Run(Timeout, "train", "--arch", "conv3d", "--frames", "4", "--epochs", "1", "--train-limit", "256", "--test-limit", "100", "--report-every", "0");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.StandardOutput, "volumes · conv3d", run.ToString());
        StringAssert.Contains(run.StandardOutput, "each digit as a clip of 4 frames shifted one pixel per frame, 1x4x28x28", run.ToString());
        StringAssert.Contains(run.StandardOutput, "Predicted", run.ToString());
    }
}
