using System.ComponentModel;
using CnnMl.Demo.Cli;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Data;

/// <summary>Options of <c>cnnml data</c>.</summary>
public sealed class DataSettings : CnnmlSettings
{
    /// <summary>The data set to fetch; MNIST is the only one.</summary>
    [CommandArgument(0, "<DATASET>")]
    [Description("The data set to fetch: mnist.")]
    public string Dataset { get; init; } = "";

    /// <summary><c>--data</c>.</summary>
    [CommandOption("--data <DIR>")]
    [Description("Where to put the MNIST idx files. Default: $CNNML_DATA, else data/mnist (the folder the other commands read).")]
    public string? Data { get; init; }

    /// <summary>The folder the files go to.</summary>
    public string DataDirectory => OutputFiles.MnistDirectory(Data);

    /// <inheritdoc />
    public override ValidationResult Validate() =>
        string.Equals(Dataset, "mnist", StringComparison.OrdinalIgnoreCase)
            ? ValidationResult.Success()
            : ValidationResult.Error($"unknown data set '{Dataset}'; the one cnnml fetches is mnist (cnnml data mnist).");
}
