using System.Diagnostics;
using CnnMl.Demo;
using Spectre.Console;
using Spectre.Console.Testing;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// Runs cnnml's command line (<see cref="CnnmlCommandLine"/>, what <c>Program</c> runs) in this process, on a test
/// console and a string writer for stderr: for option parsing, validation and the checks a command makes before any
/// work. What only a process shows — the exit code reaching the shell, native libraries writing to the real stderr,
/// signals, CPU time — is tested with <see cref="CnnmlProcess"/>, at least once per command.
/// </summary>
internal static class CnnmlInProcess
{
    /// <summary>Runs cnnml with <paramref name="args"/> and returns what a process run would have shown.</summary>
    public static CnnmlRun Run(params string[] args)
    {
        var console = new TestConsole();
        console.Profile.Width = 160; // as Program sets it for redirected output
        var error = new StringWriter();
        // The commands write through Spectre's static console: point it at the test console for the run.
        var previous = AnsiConsole.Console;
        AnsiConsole.Console = console;
        var clock = Stopwatch.StartNew();
        int exitCode;
        try
        {
            exitCode = CnnmlCommandLine.Run(args, error, CancellationToken.None, console);
        }
        finally
        {
            AnsiConsole.Console = previous;
        }
        var run = new CnnmlRun(exitCode, console.Output, error.ToString(), clock.Elapsed, CpuTime: null);
        Console.WriteLine($"cnnml {string.Join(' ', args)} (in process): exit {run.ExitCode}, {run.Elapsed.TotalSeconds:F2} s");
        return run;
    }
}
