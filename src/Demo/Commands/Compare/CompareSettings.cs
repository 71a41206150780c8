using System.ComponentModel;
using CnnMl.Architectures;
using CnnMl.Demo.Cli;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Compare;

/// <summary>Options of <c>cnnml compare</c>: the architectures, and the training every one of them gets alike.</summary>
public sealed class CompareSettings : DataAndTrainingSettings
{
    /// <summary><c>--archs</c>: registry names, comma-separated.</summary>
    [CommandOption("--archs <LIST>", isRequired: true)]
    [Description("Architectures to train and rank, comma-separated (cnnml architectures lists them), e.g. mnist-cnn,lenet5,depthwise-separable.")]
    public string Architectures { get; init; } = "";

    /// <summary><c>--epochs</c>.</summary>
    [CommandOption("--epochs <N>")]
    [Description("Epochs each architecture trains.")]
    [DefaultValue(1)]
    public override int Epochs { get; init; } = 1;

    /// <summary><c>--seed</c>.</summary>
    [CommandOption("--seed <N>")]
    [Description("MLContext seed (weights and shuffles), the same for every architecture.")]
    [DefaultValue(1)]
    public override int Seed { get; init; } = 1;

    /// <summary><c>--images</c>: an image folder instead of MNIST.</summary>
    [CommandOption("--images <DIR>")]
    [Description("Compare on an image folder instead of MNIST: one sub-folder per label (Model Builder's layout) holding .png, .jpg, .jpeg or .bmp files.")]
    public override string? Images { get; init; }

    /// <summary><c>--input</c>: the shape every architecture is built for.</summary>
    [CommandOption("--input <SHAPE>")]
    [Description("The input CxHxW every architecture is built for: images, or MNIST digits, resized to it with 1 (grayscale) or 3 (RGB) channels, e.g. 3x32x32. Default: MNIST's 1x28x28; with --images, the first architecture's own input (see cnnml architectures).")]
    public override string? Input { get; init; }

    /// <summary><c>--normalize</c>.</summary>
    [CommandOption("--normalize <NAME>")]
    [Description("Input normalization after pixel / 255: none, or imagenet (per-channel mean 0.485, 0.456, 0.406 and std 0.229, 0.224, 0.225; needs a 3-channel input).")]
    [DefaultValue("none")]
    public override string Normalize { get; init; } = "none";

    /// <summary><c>--json</c>.</summary>
    [CommandOption("--json <FILE>")]
    [Description("Write the leaderboard as JSON.")]
    public string? Json { get; init; }

    /// <summary><c>--plots</c>.</summary>
    [CommandOption("--plots <DIR>")]
    [Description("Write a PNG scatter of accuracy against parameters into DIR (created if missing).")]
    public string? Plots { get; init; }

    /// <summary>The architecture names of <c>--archs</c>, as the registry spells them, in the order given.</summary>
    public IReadOnlyList<string> ArchitectureNames =>
        Names().Select(n => CnnArchitectures.TryGet(n, out var a) ? a.Name : n).ToList();

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var names = Names();
        if (names.Count == 0) return ValidationResult.Error("--archs needs at least one architecture name, e.g. --archs mnist-cnn,lenet5.");
        foreach (var name in names)
        {
            if (!CnnArchitectures.TryGet(name, out _)) return ValidationResult.Error("--archs: " + ArchitectureName.Unknown(name));
        }
        if (ArchitectureNames.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1) is { } twice)
            return ValidationResult.Error($"--archs names '{twice.Key}' more than once; give each architecture once.");
        if (Epochs < 1) return ValidationResult.Error($"--epochs must be at least 1 (got {Epochs}).");
        if (base.Validate() is { Successful: false } shared) return shared;
        // Every architecture is built for the one input before any work, as train checks its one (ImageDataSettings).
        var architectures = ArchitectureNames.Select(CnnArchitectures.Get).ToList();
        if (ImageDataSettings.CheckEvery(this, architectures) is { } problem) return ValidationResult.Error(problem);
        return ValidationResult.Success();
    }

    private List<string> Names() =>
        Architectures.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
