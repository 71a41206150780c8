using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace CnnMl.Tests.Support;

/// <summary>The ML.NET releases a saved zip is checked on, each with its own build of test/CnnMl.PlainConsumer.</summary>
public enum PlainMlNet
{
    /// <summary>ML.NET 6.0.0, the project's own (test/CnnMl.PlainConsumer).</summary>
    V6,

    /// <summary>ML.NET 5.0.1 with ImageAnalytics on SkiaSharp 2.88 (test/CnnMl.PlainConsumer.MlNet5).</summary>
    V5,
}

/// <summary>
/// One zip and the rows it scores in a plain consumer; <see cref="Column"/> set: that vector column is read instead of
/// scoring; <see cref="Bytes"/> set: that byte vector column holds encoded images, decoded in memory and scored one by one.
/// </summary>
internal sealed record ConsumerJob(string Model, string Data, string Out, string? Column = null, string? Bytes = null);

/// <summary>
/// Runs test/CnnMl.PlainConsumer (assembly PlainMlNetConsumer, which references ML.NET's packages and no CnnMl
/// project) as a separate process, built on ML.NET 6.0.0 or on 5.0.1, on any number of model zips and binary
/// IDataView files at once (one process per ML.NET version keeps the tests cheap), and reads back its JSON.
/// </summary>
internal static class PlainConsumerProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    /// <summary>The consumer's dll for <paramref name="version"/>, as built beside the tests (same configuration and framework).</summary>
    public static string DllPath(PlainMlNet version) => Path.GetFullPath(
        typeof(PlainConsumerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == (version == PlainMlNet.V6 ? "PlainConsumerDll" : "PlainConsumerMlNet5Dll")).Value!);

    /// <summary>The ML.NET release each build runs (its informational version starts with this).</summary>
    public static string ReleaseOf(PlainMlNet version) => version == PlainMlNet.V6 ? "6.0.0" : "5.0.1";

    /// <summary>
    /// Runs every job on each ML.NET release, one process per release, both at once (each writes its own results
    /// files); fails the test unless both exit 0. Results in job order, by release.
    /// </summary>
    public static IReadOnlyDictionary<PlainMlNet, IReadOnlyList<ConsumerResult>> RunOnEveryRelease(IReadOnlyList<ConsumerJob> jobs, string workFolder)
    {
        var runs = Enum.GetValues<PlainMlNet>().ToDictionary(version => version, version => Task.Run(() => Run(version, jobs, workFolder)));
        return runs.ToDictionary(run => run.Key, run => run.Value.GetAwaiter().GetResult());
    }

    /// <summary>Runs every job in one new process on <paramref name="version"/>; fails the test unless it exits 0. Results in job order.</summary>
    public static IReadOnlyList<ConsumerResult> Run(PlainMlNet version, IReadOnlyList<ConsumerJob> jobs, string workFolder)
    {
        // Each release's results in files of its own: two releases may score the same jobs at once.
        jobs = jobs.Select(job => job with { Out = Path.Combine(Path.GetDirectoryName(job.Out)!, $"{Path.GetFileNameWithoutExtension(job.Out)}.{version}.json") }).ToList();
        var dll = DllPath(version);
        Assert.IsTrue(File.Exists(dll), $"The plain consumer was not built at {dll}; build CnnMl.sln first.");
        var jobsFile = Path.Combine(workFolder, $"consumer-jobs-{version}.json");
        File.WriteAllText(jobsFile, JsonSerializer.Serialize(jobs));
        var start = new ProcessStartInfo(ExternalCommand.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(jobsFile);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The plain consumer ({version}) did not finish within {Timeout}.");
        }
        Console.WriteLine($"plain consumer ({version}), {jobs.Count} job(s) in {clock.Elapsed.TotalSeconds:F1} s: {stdout.Result.Trim()}");
        Assert.AreEqual(0, process.ExitCode, $"The plain consumer ({version}) failed (exit {process.ExitCode}): {stderr.Result}");
        return jobs.Select(job =>
        {
            using var json = File.OpenRead(job.Out);
            var result = JsonSerializer.Deserialize<ConsumerResult>(json)!;
            StringAssert.StartsWith(result.MlNetVersion, ReleaseOf(version), $"the {version} consumer runs ML.NET {ReleaseOf(version)}");
            return result;
        }).ToList();
    }

}

/// <summary>The consumer's JSON (test/CnnMl.PlainConsumer/Program.cs, ConsumerResult).</summary>
internal sealed class ConsumerResult
{
    public string MlNetVersion { get; init; } = "";
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
