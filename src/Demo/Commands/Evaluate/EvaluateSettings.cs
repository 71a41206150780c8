using System.ComponentModel;
using CnnMl.Demo.Cli;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Evaluate;

/// <summary>Options of <c>cnnml evaluate</c>.</summary>
public sealed class EvaluateSettings : CnnmlSettings
{
    [CommandOption("--model <FILE>", isRequired: true)]
    [Description("The model zip written by cnnml train --out.")]
    public string Model { get; init; } = "";

    [CommandOption("--data <DIR>")]
    [Description("Folder with the MNIST idx files. Default: $CNNML_DATA, else data/mnist.")]
    public string? Data { get; init; }

    [CommandOption("--images <DIR>")]
    [Description("Evaluate on an image folder (one sub-folder per label) instead of MNIST, for a model trained with cnnml train --images.")]
    public string? Images { get; init; }

    [CommandOption("--test-limit <N>")]
    [Description("Use only the first N test images (as train's --test-limit). Default: all 10,000.")]
    public int? TestLimit { get; init; }

    [CommandOption("--metrics-json <FILE>")]
    [Description("Write the figures as JSON.")]
    public string? MetricsJson { get; init; }

    [CommandOption("--plots <DIR>")]
    [Description("Write pictures as PNGs into DIR (created if missing): confusion matrix, misclassified test images, first convolution's kernels.")]
    public string? Plots { get; init; }

    public string DataDirectory => OutputFiles.MnistDirectory(Data);

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Model)) return ValidationResult.Error("--model needs the path of a model zip.");
        if (TestLimit is < 1) return ValidationResult.Error($"--test-limit must be at least 1 (got {TestLimit}).");
        if (Images is not null && (Data is not null || TestLimit is not null))
            return ValidationResult.Error($"--data and --test-limit choose MNIST images; with --images {Images}, leave them out.");
        return ValidationResult.Success();
    }
}
