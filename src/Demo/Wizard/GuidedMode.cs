using CnnMl.Demo.Cli;
using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// <c>cnnml</c> with no arguments: in a terminal, the guided mode asks scenario, data, architecture, environment and
/// budget, then trains, evaluates, lets the user try the model, saves it and prints the consumption code and the
/// equivalent <c>cnnml train</c> command line. Escape goes back a step (<see cref="GuidedRun"/>). Without a terminal it
/// never prompts.
/// </summary>
internal static class GuidedMode
{
    /// <summary>
    /// True when the guided mode may ask questions: standard input and output are a terminal and <c>CI</c> is not
    /// <c>true</c> (a CI job has nobody to answer; a prompt there would hang until the job's time limit).
    /// </summary>
    public static bool CanPrompt(bool inputRedirected, bool outputRedirected, string? ciVariable) =>
        !inputRedirected && !outputRedirected && !string.Equals(ciVariable?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary><see cref="CanPrompt(bool, bool, string?)"/> for this process.</summary>
    public static bool CanPrompt() =>
        CanPrompt(Console.IsInputRedirected, Console.IsOutputRedirected, Environment.GetEnvironmentVariable("CI"));

    /// <summary>The one line on stderr when <c>cnnml</c> is run without a command and without a terminal.</summary>
    public const string NoTerminalMessage =
        "cnnml: error: no command given, and the guided mode needs a terminal (standard input or output is redirected, or CI=true); " +
        "give a command, e.g. 'cnnml train --epochs 1 --out model.zip'. See 'cnnml --help'.";

    /// <summary>
    /// Runs the guided mode on <paramref name="console"/>. The train command's phases write to
    /// <see cref="AnsiConsole.Console"/>, so it is <paramref name="console"/> for the run and put back afterwards.
    /// </summary>
    /// <returns>The exit code: 0 when the run finished, and 0 when the user quit at the first question (Escape, then yes).</returns>
    /// <exception cref="OperationCanceledException">Ctrl+C (the caller prints "canceled" and exits 130).</exception>
    public static int Run(IAnsiConsole console, CancellationToken cancellation)
    {
        var previous = AnsiConsole.Console;
        AnsiConsole.Console = console;
        try
        {
            // Finished, or quit at the first question (nothing started): both succeed.
            new GuidedRun(new WizardConsole(console, cancellation)).Run();
            return ExitCodes.Success;
        }
        finally
        {
            AnsiConsole.Console = previous;
        }
    }
}
