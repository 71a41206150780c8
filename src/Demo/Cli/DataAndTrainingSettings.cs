using System.ComponentModel;
using CnnMl.Data;
using CnnMl.Optimizers;
using CnnMl.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Cli;

/// <summary>
/// The data and training options that <c>cnnml train</c> and <c>cnnml compare</c> both take, with the same names,
/// descriptions, defaults and checks. Options whose description or default differs between the two commands
/// (<c>--epochs</c>, <c>--seed</c>, <c>--images</c>, <c>--input</c>, <c>--normalize</c>) are abstract here and declared,
/// with their own <see cref="CommandOptionAttribute"/>, by each command's settings.
/// </summary>
/// <remarks>
/// Spectre.Console.Cli lists a base class's options before the derived class's, so in <c>--help</c> these shared
/// options come right after <c>--verbose</c>, ahead of each command's own.
/// </remarks>
public abstract class DataAndTrainingSettings : TrainingControlSettings, IDataOptions
{
    /// <summary><c>--batch-size</c>.</summary>
    [CommandOption("--batch-size <N>")]
    [Description("Images per training step.")]
    [DefaultValue(CnnTrainerOptions.DefaultBatchSize)]
    public int BatchSize { get; init; } = CnnTrainerOptions.DefaultBatchSize;

    /// <summary><c>--lr</c>.</summary>
    [CommandOption("--lr <RATE>")]
    [Description("The optimizer's learning rate (with --schedule: its base, the one-cycle's peak).")]
    [DefaultValue(CnnOptimizer.DefaultLearningRate)]
    public double LearningRate { get; init; } = CnnOptimizer.DefaultLearningRate;

    /// <inheritdoc />
    public abstract int Seed { get; init; }

    /// <summary><c>--data</c>.</summary>
    [CommandOption("--data <DIR>")]
    [Description("Folder with the MNIST idx files. Default: $CNNML_DATA, else data/mnist.")]
    public string? Data { get; init; }

    /// <inheritdoc />
    public abstract string? Images { get; init; }

    /// <summary><c>--test-images</c>.</summary>
    [CommandOption("--test-images <DIR>")]
    [Description("Test images in the same layout. Default: a stratified share of --images (--test-fraction, seeded by --seed).")]
    public string? TestImages { get; init; }

    /// <summary><c>--test-fraction</c>.</summary>
    [CommandOption("--test-fraction <F>")]
    [Description("Without --test-images: the share of each label of --images held out as the test set.")]
    [DefaultValue(0.2)]
    public double TestFraction { get; init; } = 0.2;

    /// <summary><c>--validation-fraction</c>: <c>CnnTrainerOptions.ValidationSetFraction</c>.</summary>
    [CommandOption("--validation-fraction <F>")]
    [Description("Hold out this share of each label of the training images, seeded by --seed, to validate on while training " +
                 "(reports, --validate-every); the held-out images are not trained on. Default: train validates on the test images.")]
    public double? ValidationFraction { get; init; }

    /// <summary><c>--skip-bad-files</c>.</summary>
    [CommandOption("--skip-bad-files")]
    [Description("With --images: leave out damaged image files (each listed with its defect) and train on the rest. Default: stop, naming every damaged file.")]
    [DefaultValue(false)]
    public bool SkipBadFiles { get; init; }

    /// <summary><c>--train-limit</c>.</summary>
    [CommandOption("--train-limit <N>")]
    [Description("Use only the first N training images.")]
    public int? TrainLimit { get; init; }

    /// <summary><c>--test-limit</c>.</summary>
    [CommandOption("--test-limit <N>")]
    [Description("Use only the first N test images.")]
    public int? TestLimit { get; init; }

    /// <inheritdoc />
    public abstract string? Input { get; init; }

    /// <inheritdoc />
    public abstract string Normalize { get; init; }

    /// <summary><c>--threads</c>.</summary>
    [CommandOption("--threads <N>")]
    [Description("libtorch threads (default: libtorch's choice, one per core).")]
    public int? Threads { get; init; }

    /// <inheritdoc />
    public string DataDirectory => OutputFiles.MnistDirectory(Data);

    /// <summary>Null: images, not clips; <see cref="TrainSettings"/> gives clips to 3D networks.</summary>
    public virtual int? ClipFrames => null;

    /// <summary><c>--input</c> parsed (checked by <see cref="ImageDataSettings"/> in each command's Validate), or null.</summary>
    public ImageShape? InputShape => Input is null ? null : ImageShape.Parse(Input);

    /// <summary><c>--normalize</c> as the image-input chain takes it (checked by <see cref="ImageDataSettings"/>): null for none.</summary>
    public PixelNormalization? Normalization => ImageDataSettings.NormalizationNamed(Normalize);

    /// <summary>
    /// The checks both commands make of the shared numbers (<c>--batch-size</c>, <c>--lr</c>, the limits, <c>--threads</c>,
    /// <c>--validation-fraction</c>).
    /// <c>--epochs</c> and the image options are checked by each command, which calls this in between.
    /// </summary>
    public override ValidationResult Validate()
    {
        if (base.Validate() is { Successful: false } controls) return controls;
        if (SkipBadFiles && Images is null)
            return ValidationResult.Error("--skip-bad-files leaves damaged files of an image folder out; it needs --images DIR (MNIST's idx files are read whole).");
        if (BatchSize < 1) return ValidationResult.Error($"--batch-size must be at least 1 (got {BatchSize}).");
        if (!(LearningRate > 0)) return ValidationResult.Error($"--lr must be positive (got {LearningRate}).");
        if (TrainLimit is < 1) return ValidationResult.Error($"--train-limit must be at least 1 (got {TrainLimit}).");
        if (TestLimit is < 1) return ValidationResult.Error($"--test-limit must be at least 1 (got {TestLimit}).");
        if (Threads is < 1) return ValidationResult.Error($"--threads must be at least 1 (got {Threads}).");
        if (ValidationFraction is { } fraction && !(fraction > 0 && fraction < 1))
            return ValidationResult.Error($"--validation-fraction must be between 0 and 1 (exclusive), e.g. 0.1 (got {fraction.ToString(System.Globalization.CultureInfo.InvariantCulture)}).");
        return ValidationResult.Success();
    }
}
