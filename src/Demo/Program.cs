using CnnMl.Demo;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Wizard;
using Spectre.Console;

// Logs and CI capture the output: do not wrap report lines at 80 columns there.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;

using var interrupt = new InterruptSignal();

int exitCode;
if (VersionReport.IsRequested(args))
{
    // Handled before Spectre.Console.Cli: the report loads libtorch and ONNX Runtime, which no other start-up needs.
    exitCode = VersionReport.Write(Console.Out, Console.Error);
}
else if (args.Length == 0)
{
    // No command: the guided mode in a terminal; elsewhere (a pipe, a CI job) nobody can answer, so never prompt.
    if (GuidedMode.CanPrompt())
    {
        try
        {
            exitCode = GuidedMode.Run(AnsiConsole.Console, interrupt.Token);
        }
        catch (Exception e)
        {
            exitCode = CnnmlCommandLine.Report(e, args, Console.Error);
        }
    }
    else
    {
        CnnmlCommandLine.Run(["--help"], Console.Error, interrupt.Token);
        Console.Error.WriteLine(GuidedMode.NoTerminalMessage);
        exitCode = ExitCodes.Usage;
    }
}
else
{
    exitCode = CnnmlCommandLine.Run(args, Console.Error, interrupt.Token);
}
if (interrupt.Interrupted && exitCode == ExitCodes.Canceled) Console.Error.WriteLine("cnnml: canceled");
return exitCode;
