using System.ComponentModel;
using System.Diagnostics;

namespace CnnMl.Tests.Support;

/// <summary>
/// Runs a script of scripts/pytorch with real PyTorch: Debian's <c>/usr/bin/python3</c> with the python3-torch,
/// python3-torchvision and python3-onnx packages the test set-up installs. A missing interpreter or module fails the
/// test saying what to run.
/// </summary>
internal static class PyTorchProcess
{
    private const string SetUp =
        "run 'bash scripts/setup.sh --for-tests' (scripts/test.sh runs it): it installs Debian 12's python3-torch, python3-torchvision and python3-onnx";

    /// <summary>
    /// Debian's interpreter when there is one: apt's python3-* modules are on its path only, and a pyenv or conda
    /// <c>python3</c> earlier on PATH does not see them. Elsewhere the <c>python3</c> on PATH.
    /// </summary>
    public static string Interpreter { get; } = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>What one run printed.</summary>
    public sealed record Output(string StandardOutput, string StandardError, TimeSpan Elapsed);

    /// <summary>
    /// Runs <c>python3 ARGS</c> in the repository's scripts/pytorch folder; fails the test unless it exits 0.
    /// <paramref name="arguments"/> start with the script (or <c>-m module</c>).
    /// </summary>
    public static Output Run(TimeSpan timeout, params string[] arguments) => Run(timeout, 0, arguments);

    /// <summary>As <see cref="Run(TimeSpan, string[])"/>, for a run that should end with <paramref name="expectedExitCode"/>.</summary>
    public static Output Run(TimeSpan timeout, int expectedExitCode, params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            WorkingDirectory = TestPaths.PyTorchScripts,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // The interpreter's own modules only: a PYTHONPATH or PYTHONHOME meant for another Python breaks Debian's.
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");
        var line = $"{Interpreter} {string.Join(' ', arguments)}";
        var clock = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"Could not start {Interpreter} for '{line}' ({e.Message}): {SetUp}.");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"'{line}' did not finish within {timeout}.\nstdout:\n{stdout.Result}\nstderr:\n{stderr.Result}");
            }
            process.WaitForExit();
            var output = new Output(stdout.Result, stderr.Result, clock.Elapsed);
            Console.WriteLine($"{line}: exit {process.ExitCode} in {output.Elapsed.TotalSeconds:F1} s\n{output.StandardOutput.TrimEnd()}");
            var missing = output.StandardError.Split('\n').FirstOrDefault(l => l.Contains("ModuleNotFoundError", StringComparison.Ordinal));
            if (process.ExitCode != 0 && missing is not null) Assert.Fail($"{Interpreter} cannot run '{line}': {missing.Trim()}. {SetUp}.");
            if (process.ExitCode != expectedExitCode)
                Assert.Fail($"'{line}' exited with {process.ExitCode}, expected {expectedExitCode}.\nstdout:\n{output.StandardOutput}\nstderr:\n{output.StandardError}");
            return output;
        }
    }
}
