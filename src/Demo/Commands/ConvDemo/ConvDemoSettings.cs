using System.ComponentModel;
using CnnMl.Demo.Cli;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.ConvDemo;

/// <summary>Options of <c>cnnml conv-demo</c>.</summary>
public sealed class ConvDemoSettings : CnnmlSettings
{
    /// <summary><c>--plots</c>: the folder for the edge-detection pictures.</summary>
    [CommandOption("--plots <DIR>")]
    [Description("Write the edge-detection input and output as PNGs into DIR (created if missing).")]
    public string? Plots { get; init; }
}
