using System.Text.Json;
using CnnMl.Tests.ConsoleApp;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.Integration;

/// <summary>
/// Determinism across processes: <c>cnnml train</c> run twice as separate processes with the same seed, the same data
/// and one libtorch thread writes bit-identical weights (SHA-256 of the state dict) and identical metrics.
/// </summary>
[TestClass]
public sealed class TwoProcessDeterminismTests
{
    private static JsonElement Train(string metricsPath)
    {
        var run = CnnmlProcess.Run(TimeSpan.FromMinutes(5), "train", "--arch", "mnist-cnn", "--epochs", "1", "--train-limit", "512",
            "--test-limit", "500", "--batch-size", "64", "--seed", "7", "--threads", "1", "--report-every", "0", "--metrics-json", metricsPath);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        return JsonDocument.Parse(File.ReadAllText(metricsPath)).RootElement;
    }

    [TestMethod]
    public void TwoProcessesWithOneThreadTrainBitIdenticalWeightsAndMetrics()
    {
        TestPaths.RequireMnist();
        var folder = Directory.CreateTempSubdirectory("cnnml-determinism-").FullName;
        try
        {
            var first = Train(Path.Combine(folder, "first.json"));
            var second = Train(Path.Combine(folder, "second.json"));
            var digest = first.GetProperty("weightsSha256").GetString()!;
            StringAssert.Matches(digest, new System.Text.RegularExpressions.Regex("^[0-9a-f]{64}$"));
            Assert.AreEqual(digest, second.GetProperty("weightsSha256").GetString(), "weights differ between the processes");
            foreach (var metric in new[] { "microAccuracy", "macroAccuracy", "logLoss", "finalTrainLoss" })
                Assert.AreEqual(first.GetProperty(metric).GetDouble(), second.GetProperty(metric).GetDouble(), 0, metric);
            Assert.AreEqual(1, first.GetProperty("threads").GetInt32());
            Assert.IsGreaterThan(0.5, first.GetProperty("microAccuracy").GetDouble(), "the run trained something");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
