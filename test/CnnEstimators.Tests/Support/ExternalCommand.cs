using System.Diagnostics;

namespace CnnMl.Tests.Support;

/// <summary>One finished run of a program the tests start (dotnet, bash, an installed tool).</summary>
/// <param name="CommandLine">What was run, for messages.</param>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="StandardOutput">Everything written to stdout.</param>
/// <param name="StandardError">Everything written to stderr.</param>
/// <param name="Elapsed">Wall time from start to exit.</param>
internal sealed record ExternalRun(string CommandLine, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    /// <summary>Fails the test unless the run exited 0; returns the run.</summary>
    public ExternalRun Succeeded()
    {
        Assert.AreEqual(0, ExitCode, ToString());
        return this;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{CommandLine}: exit {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}

/// <summary>Runs a program in a given folder with extra environment variables, and waits for it with a time limit.</summary>
internal static class ExternalCommand
{
    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>; fails the
    /// test if it outlives <paramref name="timeout"/>. <paramref name="environment"/> entries with a null value are removed.
    /// </summary>
    public static ExternalRun Run(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // The test host's own MSBuild and runner settings would leak into a child dotnet and change what it builds.
        foreach (var inherited in new[] { "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildExtensionsPath", "VSTEST_HOST_DEBUG", "TESTINGPLATFORM_DIAGNOSTIC" })
            start.Environment.Remove(inherited);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        var commandLine = $"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)}";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{commandLine} did not finish within {timeout}.\n--- stdout\n{stdout.Result}\n--- stderr\n{stderr.Result}");
        }
        process.WaitForExit();
        var run = new ExternalRun(commandLine, process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
        Console.WriteLine($"{commandLine}: exit {run.ExitCode}, {run.Elapsed.TotalSeconds:F1} s");
        return run;
    }

    /// <summary>The dotnet host that runs the tests (the CLI exports DOTNET_HOST_PATH to its children), else the one on PATH.</summary>
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath!
        : "dotnet";
}
