using System.ComponentModel;
using CnnMl.Demo.Cli;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Export;

/// <summary>Options of <c>cnnml export</c>.</summary>
public sealed class ExportSettings : CnnmlSettings
{
    [CommandOption("--model <FILE>", isRequired: true)]
    [Description("The model zip written by cnnml train --out.")]
    public string Model { get; init; } = "";

    [CommandOption("--onnx <FILE>", isRequired: true)]
    [Description("Where to write the ONNX graph the zip scores with.")]
    public string Onnx { get; init; } = "";

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Model)) return ValidationResult.Error("--model needs the path of a model zip.");
        if (string.IsNullOrWhiteSpace(Onnx)) return ValidationResult.Error("--onnx needs the path of the .onnx file to write.");
        if (Path.GetFullPath(Model) == Path.GetFullPath(Onnx))
            return ValidationResult.Error($"--onnx {Onnx} would overwrite the model zip; give another path.");
        return ValidationResult.Success();
    }
}
