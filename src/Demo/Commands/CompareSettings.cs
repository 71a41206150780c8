using System.ComponentModel;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Cli;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands;

/// <summary>Options of <c>cnnml compare</c>: the architectures, and the training every one of them gets alike.</summary>
public sealed class CompareSettings : CnnmlSettings, IDataOptions
{
    /// <summary><c>--archs</c>: registry names, comma-separated.</summary>
    [CommandOption("--archs <LIST>", isRequired: true)]
    [Description("Architectures to train and rank, comma-separated (cnnml architectures lists them), e.g. mnist-cnn,lenet5,depthwise-separable.")]
    public string Architectures { get; init; } = "";

    /// <summary><c>--epochs</c>.</summary>
    [CommandOption("--epochs <N>")]
    [Description("Epochs each architecture trains.")]
    [DefaultValue(1)]
    public int Epochs { get; init; } = 1;

    /// <summary><c>--batch-size</c>.</summary>
    [CommandOption("--batch-size <N>")]
    [Description("Images per training step.")]
    [DefaultValue(64)]
    public int BatchSize { get; init; } = 64;

    /// <summary><c>--lr</c>.</summary>
    [CommandOption("--lr <RATE>")]
    [Description("Adam learning rate.")]
    [DefaultValue(1e-3)]
    public double LearningRate { get; init; } = 1e-3;

    /// <summary><c>--seed</c>.</summary>
    [CommandOption("--seed <N>")]
    [Description("MLContext seed (weights and shuffles), the same for every architecture.")]
    [DefaultValue(1)]
    public int Seed { get; init; } = 1;

    /// <summary><c>--data</c>.</summary>
    [CommandOption("--data <DIR>")]
    [Description("Folder with the MNIST idx files. Default: $CNNML_DATA, else data/mnist.")]
    public string? Data { get; init; }

    /// <summary><c>--images</c>: an image folder instead of MNIST.</summary>
    [CommandOption("--images <DIR>")]
    [Description("Compare on an image folder instead of MNIST: one sub-folder per label (Model Builder's layout) holding .png, .jpg, .jpeg or .bmp files.")]
    public string? Images { get; init; }

    /// <summary><c>--test-images</c>.</summary>
    [CommandOption("--test-images <DIR>")]
    [Description("Test images in the same layout. Default: a stratified share of --images (--test-fraction, seeded by --seed).")]
    public string? TestImages { get; init; }

    /// <summary><c>--test-fraction</c>.</summary>
    [CommandOption("--test-fraction <F>")]
    [Description("Without --test-images: the share of each label of --images held out as the test set.")]
    [DefaultValue(0.2)]
    public double TestFraction { get; init; } = 0.2;

    /// <summary><c>--train-limit</c>.</summary>
    [CommandOption("--train-limit <N>")]
    [Description("Use only the first N training images.")]
    public int? TrainLimit { get; init; }

    /// <summary><c>--test-limit</c>.</summary>
    [CommandOption("--test-limit <N>")]
    [Description("Use only the first N test images.")]
    public int? TestLimit { get; init; }

    /// <summary><c>--input</c>: the shape every architecture is built for.</summary>
    [CommandOption("--input <SHAPE>")]
    [Description("The input CxHxW every architecture is built for: images, or MNIST digits, resized to it with 1 (grayscale) or 3 (RGB) channels, e.g. 3x32x32. Default: MNIST's 1x28x28; with --images, the first architecture's own input (see cnnml architectures).")]
    public string? Input { get; init; }

    /// <summary><c>--normalize</c>.</summary>
    [CommandOption("--normalize <NAME>")]
    [Description("Input normalisation after pixel / 255: none, or imagenet (per-channel mean 0.485, 0.456, 0.406 and std 0.229, 0.224, 0.225; needs a 3-channel input).")]
    [DefaultValue("none")]
    public string Normalize { get; init; } = "none";

    /// <summary><c>--threads</c>.</summary>
    [CommandOption("--threads <N>")]
    [Description("libtorch threads (default: libtorch's choice, one per core).")]
    public int? Threads { get; init; }

    /// <summary><c>--json</c>.</summary>
    [CommandOption("--json <FILE>")]
    [Description("Write the leaderboard as JSON.")]
    public string? Json { get; init; }

    /// <summary><c>--plots</c>.</summary>
    [CommandOption("--plots <DIR>")]
    [Description("Write a PNG scatter of accuracy against parameters into DIR (created if missing).")]
    public string? Plots { get; init; }

    /// <summary>The MNIST folder.</summary>
    public string DataDirectory => OutputFiles.MnistDirectory(Data);

    /// <summary>The architecture names of <c>--archs</c>, as the registry spells them, in the order given.</summary>
    public IReadOnlyList<string> ArchitectureNames =>
        Names().Select(n => CnnArchitectures.TryGet(n, out var a) ? a.Name : n).ToList();

    /// <summary>Null: compare gives images, not clips (see <see cref="TrainSettings.ClipFrames"/>).</summary>
    public int? ClipFrames => null;

    /// <summary>The shape given by <c>--input</c>, or null.</summary>
    public ImageShape? InputShape => Input is null ? null : ImageShape.Parse(Input);

    /// <summary><c>--normalize</c> as the image-input chain takes it (checked by <see cref="Validate"/>): null for none.</summary>
    public PixelNormalization? Normalization => ImageDataSettings.NormalizationNamed(Normalize);

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var names = Names();
        if (names.Count == 0) return ValidationResult.Error("--archs needs at least one architecture name, e.g. --archs mnist-cnn,lenet5.");
        foreach (var name in names)
        {
            if (!CnnArchitectures.TryGet(name, out _)) return ValidationResult.Error("--archs: " + TrainSettings.UnknownArchitecture(name));
        }
        if (ArchitectureNames.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1) is { } twice)
            return ValidationResult.Error($"--archs names '{twice.Key}' more than once; give each architecture once.");
        if (Epochs < 1) return ValidationResult.Error($"--epochs must be at least 1 (got {Epochs}).");
        if (BatchSize < 1) return ValidationResult.Error($"--batch-size must be at least 1 (got {BatchSize}).");
        if (!(LearningRate > 0)) return ValidationResult.Error($"--lr must be positive (got {LearningRate}).");
        if (TrainLimit is < 1) return ValidationResult.Error($"--train-limit must be at least 1 (got {TrainLimit}).");
        if (TestLimit is < 1) return ValidationResult.Error($"--test-limit must be at least 1 (got {TestLimit}).");
        if (Threads is < 1) return ValidationResult.Error($"--threads must be at least 1 (got {Threads}).");
        // Every architecture is built for the one input before any work, as train checks its one (ImageDataSettings).
        var architectures = ArchitectureNames.Select(CnnArchitectures.Get).ToList();
        if (ImageDataSettings.CheckEvery(this, architectures) is { } problem) return ValidationResult.Error(problem);
        return ValidationResult.Success();
    }

    private List<string> Names() =>
        Architectures.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
