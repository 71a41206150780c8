using System.ComponentModel;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Cli;

/// <summary>Options every <c>cnnml</c> command accepts.</summary>
public class CnnmlSettings : CommandSettings
{
    /// <summary>Print the full exception, stack trace included, when the command fails.</summary>
    [CommandOption(FailureReport.VerboseOption)]
    [Description("On failure, also print the exception's stack trace.")]
    [DefaultValue(false)]
    public bool Verbose { get; init; }
}
