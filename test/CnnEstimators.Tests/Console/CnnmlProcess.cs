using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using CnnMl.Tests.Support;

// Not "CnnMl.Tests.Console": a namespace of that name would hide System.Console from every test namespace.
namespace CnnMl.Tests.ConsoleApp;

/// <summary>One finished run of the console.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="StandardOutput">Everything written to stdout.</param>
/// <param name="StandardError">Everything written to stderr.</param>
/// <param name="Elapsed">Wall time from start to exit.</param>
/// <param name="CpuTime">User plus system CPU time of the process (Linux), or null where it cannot be measured.</param>
internal sealed record CnnmlRun(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed, TimeSpan? CpuTime)
{
    /// <summary>The non-empty lines of stderr.</summary>
    public string[] ErrorLines => Lines(StandardError);

    /// <summary>The non-empty lines of stdout.</summary>
    public string[] OutputLines => Lines(StandardOutput);

    /// <inheritdoc />
    public override string ToString() =>
        $"exit {ExitCode} after {Elapsed.TotalSeconds:F2} s (CPU {CpuTime?.TotalSeconds:F2} s)\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// Runs the built console (<c>dotnet cnnml.dll ...</c>, Release beside the tests' configuration) as a separate
/// process, as a user runs it, with MNIST from <see cref="TestPaths.MnistDirectory"/>.
/// </summary>
internal static class CnnmlProcess
{
    /// <summary>cnnml.dll, built before the tests (the test project references the console without using its assembly).</summary>
    public static string DllPath { get; } = Path.GetFullPath(
        typeof(CnnmlProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "CnnmlDll").Value!);

    /// <summary>Runs cnnml with <paramref name="args"/> and waits for it; fails the test if it outlives <paramref name="timeout"/>.</summary>
    public static CnnmlRun Run(TimeSpan timeout, params string[] args)
    {
        var cpuBefore = ChildrenCpuTime();
        var clock = Stopwatch.StartNew();
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"cnnml {string.Join(' ', args)} did not finish within {timeout}.");
        }
        process.WaitForExit(); // drains the redirected streams
        var elapsed = clock.Elapsed;
        var cpuAfter = ChildrenCpuTime();
        var run = new CnnmlRun(process.ExitCode, stdout.Result, stderr.Result, elapsed, cpuAfter - cpuBefore);
        Console.WriteLine($"cnnml {string.Join(' ', args)}: exit {run.ExitCode}, {elapsed.TotalSeconds:F2} s wall, {run.CpuTime?.TotalSeconds:F2} s CPU");
        return run;
    }

    /// <summary>Starts cnnml with stdout and stderr redirected (the caller reads them).</summary>
    public static Process Start(params string[] args)
    {
        Assert.IsTrue(File.Exists(DllPath), $"The console was not built at {DllPath}; build CnnMl.sln first.");
        // A shell that starts a job in the background (`dotnet test ... &`) ignores SIGINT in it, and children inherit
        // that: cnnml would never see the Ctrl+C the cancellation tests send. A user's foreground cnnml does, so give
        // the child SIGINT's default disposition back (coreutils' env) when this process runs with it ignored.
        var resetInterrupt = InterruptIgnoredHere() && File.Exists("/usr/bin/env");
        var start = new ProcessStartInfo(resetInterrupt ? "/usr/bin/env" : ExternalCommand.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (resetInterrupt)
        {
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add(ExternalCommand.DotnetHost());
        }
        start.ArgumentList.Add(DllPath);
        foreach (var argument in args) start.ArgumentList.Add(argument);
        start.Environment["CNNML_DATA"] = TestPaths.MnistDirectory;
        start.Environment.Remove("CI"); // the console behaves the same; keeps its output free of CI-only changes
        return Process.Start(start)!;
    }

    // Whether SIGINT (signal 2) is ignored in this process: bit 1 of the SigIgn mask in /proc/self/status (Linux).
    private static bool InterruptIgnoredHere()
    {
        if (!OperatingSystem.IsLinux()) return false;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;
    }

    // CPU time of this process's finished children (getrusage(RUSAGE_CHILDREN)): the difference around one run is that
    // run's CPU time, since the tests run one at a time. Wall time on a shared 2-core machine says little about the
    // work a process did; its CPU time does.
    private static TimeSpan? ChildrenCpuTime()
    {
        if (!OperatingSystem.IsLinux() || getrusage(RusageChildren, out var usage) != 0) return null;
        return usage.User.ToTimeSpan() + usage.System.ToTimeSpan();
    }

    private const int RusageChildren = -1;

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out ResourceUsage usage);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeValue
    {
        public long Seconds;
        public long Microseconds;

        public readonly TimeSpan ToTimeSpan() => TimeSpan.FromSeconds(Seconds) + TimeSpan.FromMicroseconds(Microseconds);
    }

    // struct rusage on 64-bit Linux: two timevals, then 14 longs this helper does not read.
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private struct ResourceUsage
    {
        public TimeValue User;
        public TimeValue System;
    }
}
