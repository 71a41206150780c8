using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace CnnMl.Tests.Support;

/// <summary>
/// Runs test/CnnMl.PlainConsumer (assembly PlainMlNetConsumer, which references ML.NET's packages and no CnnMl
/// project) as a separate process on a model zip and a binary IDataView file, and reads back its JSON.
/// </summary>
internal static class PlainConsumerProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>The consumer's dll, as built beside the tests (same configuration and framework).</summary>
    public static string DllPath { get; } = Path.GetFullPath(
        typeof(PlainConsumerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PlainConsumerDll").Value!);

    /// <summary>Scores <paramref name="dataPath"/> with <paramref name="modelPath"/> in a new process; fails the test unless it exits 0.</summary>
    public static ConsumerResult Run(string modelPath, string dataPath, string workFolder)
    {
        Assert.IsTrue(File.Exists(DllPath), $"The plain consumer was not built at {DllPath}; build CnnMl.sln first.");
        var output = Path.Combine(workFolder, $"consumer-{Path.GetFileNameWithoutExtension(modelPath)}.json");
        var start = new ProcessStartInfo(ExternalCommand.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { DllPath, "--model", modelPath, "--data", dataPath, "--out", output }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The plain consumer did not finish within {Timeout}.");
        }
        Console.WriteLine($"plain consumer: {stdout.Result.Trim()}");
        Assert.AreEqual(0, process.ExitCode, $"The plain consumer failed (exit {process.ExitCode}): {stderr.Result}");
        using var json = File.OpenRead(output);
        return JsonSerializer.Deserialize<ConsumerResult>(json)!;
    }

}

/// <summary>The consumer's JSON (test/CnnMl.PlainConsumer/Program.cs, ConsumerResult).</summary>
internal sealed class ConsumerResult
{
    public int Rows { get; init; }
    public double MicroAccuracy { get; init; }
    public double MacroAccuracy { get; init; }
    public double LogLoss { get; init; }
    public double LogLossReduction { get; init; }
    public List<string> InputSchema { get; init; } = [];
    public string ScoreType { get; init; } = "";
    public string PredictedLabelType { get; init; } = "";
    public List<string>? PredictedLabelKeyValues { get; init; }
    public List<float[]> Scores { get; init; } = [];
    public List<string> PredictedLabels { get; init; } = [];
    public List<uint> PredictedKeys { get; init; } = [];
    public List<string> Transformers { get; init; } = [];
    public List<string> Assemblies { get; init; } = [];
}
