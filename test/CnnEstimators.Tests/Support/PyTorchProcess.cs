using System.ComponentModel;
using System.Diagnostics;

namespace CnnMl.Tests.Support;

/// <summary>
/// Runs a script of scripts/pytorch with real PyTorch: Debian's <c>/usr/bin/python3</c> with the python3-torch,
/// python3-torchvision and python3-onnx packages the test set-up installs. A missing interpreter or module fails the
/// test saying what to run.
/// </summary>
internal sealed class PyTorchProcess : IDisposable
{
    private const string SetUp =
        "run 'bash scripts/setup.sh --for-tests' (scripts/test.sh runs it): it installs Debian 12's python3-torch, python3-torchvision and python3-onnx";

    private readonly Process _process;
    private readonly string _line;
    private readonly Stopwatch _clock;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private PyTorchProcess(Process process, string line, Stopwatch clock)
    {
        _process = process;
        _line = line;
        _clock = clock;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.AutoFlush = true;
    }

    /// <summary>
    /// Debian's interpreter when there is one: apt's python3-* modules are on its path only, and a pyenv or conda
    /// <c>python3</c> earlier on PATH does not see them. Elsewhere the <c>python3</c> on PATH.
    /// </summary>
    public static string Interpreter { get; } = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>What one run printed.</summary>
    public sealed record Output(string StandardOutput, string StandardError, TimeSpan Elapsed);

    /// <summary>The process's standard input, for a script that takes its work as the test produces it.</summary>
    public TextWriter Input => _process.StandardInput;

    /// <summary>
    /// Runs <c>python3 ARGS</c> in the repository's scripts/pytorch folder; fails the test unless it exits 0.
    /// <paramref name="arguments"/> start with the script (or <c>-m module</c>).
    /// </summary>
    public static Output Run(TimeSpan timeout, params string[] arguments) => Run(timeout, 0, arguments);

    /// <summary>As <see cref="Run(TimeSpan, string[])"/>, for a run that should end with <paramref name="expectedExitCode"/>.</summary>
    public static Output Run(TimeSpan timeout, int expectedExitCode, params string[] arguments)
    {
        using var process = Start(arguments);
        return process.Finish(timeout, expectedExitCode);
    }

    /// <summary>Starts <c>python3 ARGS</c> in scripts/pytorch with its standard input open (see <see cref="Input"/>).</summary>
    public static PyTorchProcess Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            WorkingDirectory = TestPaths.PyTorchScripts,
            RedirectStandardInput = true,
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
        try
        {
            return new PyTorchProcess(Process.Start(start)!, line, clock);
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"Could not start {Interpreter} for '{line}' ({e.Message}): {SetUp}.");
            throw;
        }
    }

    /// <summary>Closes the standard input and waits; fails the test unless the process exits with <paramref name="expectedExitCode"/>.</summary>
    public Output Finish(TimeSpan timeout, int expectedExitCode = 0)
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"'{_line}' did not finish within {timeout}.\nstdout:\n{_stdout.Result}\nstderr:\n{_stderr.Result}");
        }
        _process.WaitForExit();
        var output = new Output(_stdout.Result, _stderr.Result, _clock.Elapsed);
        Console.WriteLine($"{_line}: exit {_process.ExitCode} in {output.Elapsed.TotalSeconds:F1} s\n{output.StandardOutput.TrimEnd()}");
        var missing = output.StandardError.Split('\n').FirstOrDefault(l => l.Contains("ModuleNotFoundError", StringComparison.Ordinal));
        if (_process.ExitCode != 0 && missing is not null) Assert.Fail($"{Interpreter} cannot run '{_line}': {missing.Trim()}. {SetUp}.");
        if (_process.ExitCode != expectedExitCode)
            Assert.Fail($"'{_line}' exited with {_process.ExitCode}, expected {expectedExitCode}.\nstdout:\n{output.StandardOutput}\nstderr:\n{output.StandardError}");
        return output;
    }

    /// <summary>Ends the process if it is still running (a test that failed before <see cref="Finish"/>).</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
