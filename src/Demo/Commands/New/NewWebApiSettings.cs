using CnnMl.Demo.Cli;
using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.New;

/// <summary>Options of <c>cnnml new webapi</c>.</summary>
public sealed class NewWebApiSettings : CnnmlSettings
{
    [CommandOption("--model <FILE>", isRequired: true)]
    [Description("The model zip written by cnnml train --out (an MNIST-vector model, or an image-folder model that reads the image's bytes); copied into the project.")]
    public string Model { get; init; } = "";

    [CommandOption("--output <DIR>", isRequired: true)]
    [Description("The folder to write the project into (created; must be empty if it exists).")]
    public string Output { get; init; } = "";

    [CommandOption("--name <NAME>")]
    [Description("The project's name (a C# identifier). Default: the output folder's name.")]
    public string? Name { get; init; }

    /// <summary>The project name.</summary>
    public string ProjectName => Name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(Output)));

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Model)) return ValidationResult.Error("--model needs the path of a model zip.");
        if (string.IsNullOrWhiteSpace(Output)) return ValidationResult.Error("--output needs the folder to write the project into.");
        if (ProjectName.Length == 0 || !char.IsLetter(ProjectName[0]) || !ProjectName.All(c => char.IsLetterOrDigit(c) || c is '_' or '.'))
            return ValidationResult.Error($"The project name '{ProjectName}' must start with a letter and hold only letters, digits, '_' and '.'; give --name.");
        return ValidationResult.Success();
    }
}
