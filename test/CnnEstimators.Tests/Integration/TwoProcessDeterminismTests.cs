using System.Diagnostics;
using System.Text.Json;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.Integration;

/// <summary>
/// Determinism across processes: <c>cnnml train</c> run twice as separate processes with the same seed, the same data
/// and one libtorch thread writes bit-identical weights (SHA-256 of the state dict) and identical metrics.
/// </summary>
[TestClass]
public sealed class TwoProcessDeterminismTests
{
    private static string Console => Path.Combine(TestPaths.RepositoryRoot, "src", "Demo", "bin",
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, new DirectoryInfo(AppContext.BaseDirectory).Name, "cnnml.dll");

    private static JsonElement Train(string metricsPath)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     Console, "train", "--arch", "mnist-cnn", "--epochs", "1", "--train-limit", "512", "--test-limit", "500",
                     "--batch-size", "64", "--seed", "7", "--threads", "1", "--report-every", "0", "--data", TestPaths.RequireMnist(),
                     "--metrics-json", metricsPath,
                 })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(5)), "cnnml train did not finish in 5 minutes");
        Assert.AreEqual(0, process.ExitCode, $"cnnml train failed:\n{output.Result}\n{error.Result}");
        return JsonDocument.Parse(File.ReadAllText(metricsPath)).RootElement;
    }

    [TestMethod]
    public void TwoProcessesWithOneThreadTrainBitIdenticalWeightsAndMetrics()
    {
        Assert.IsTrue(File.Exists(Console), $"{Console} not built");
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
