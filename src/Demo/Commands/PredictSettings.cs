using System.ComponentModel;
using CnnMl.Demo.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands;

/// <summary>Options of <c>cnnml predict</c>.</summary>
public sealed class PredictSettings : CnnmlSettings
{
    [CommandArgument(0, "<IMAGES>")]
    [Description("Image files to classify (.png, .jpg, .jpeg, .bmp).")]
    public string[] Images { get; init; } = [];

    [CommandOption("--model <FILE>", isRequired: true)]
    [Description("The model zip written by cnnml train --out.")]
    public string Model { get; init; } = "";

    [CommandOption("--top <N>")]
    [Description("Classes listed per image, best first.")]
    [DefaultValue(3)]
    public int Top { get; init; } = 3;

    [CommandOption("--json <FILE>")]
    [Description("Also write the predictions as JSON: a list of { path, label, top: list of { label, score } }.")]
    public string? Json { get; init; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Model)) return ValidationResult.Error("--model needs the path of a model zip.");
        if (Top < 1) return ValidationResult.Error($"--top must be at least 1 (got {Top}).");
        if (Images.Length == 0) return ValidationResult.Error("Give at least one image file to classify.");
        var unsupported = Images.FirstOrDefault(i => !ImageFiles.Extensions.Contains(Path.GetExtension(i).ToLowerInvariant()));
        if (unsupported is not null)
            return ValidationResult.Error($"'{unsupported}' is not an image cnnml predict reads; give {string.Join(", ", ImageFiles.Extensions)} files.");
        return ValidationResult.Success();
    }
}
