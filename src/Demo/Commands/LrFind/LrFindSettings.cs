using System.ComponentModel;
using System.Globalization;
using CnnMl.Architectures;
using CnnMl.Demo.Cli;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.LrFind;

/// <summary>
/// Options of <c>cnnml lr-find</c>: <c>train</c>'s data, architecture and training controls (the optimizer, its
/// momentum and weight decay, label smoothing, class weights, augmentation, mixed precision shape the test as they
/// shape training), and the range of the test.
/// </summary>
public sealed class LrFindSettings : DataAndTrainingSettings
{
    /// <summary><c>--arch</c>.</summary>
    [CommandOption("--arch <NAME>")]
    [Description("Architecture from the registry (cnnml architectures lists them).")]
    [DefaultValue(CnnArchitectures.MnistCnn)]
    public string Architecture { get; init; } = CnnArchitectures.MnistCnn;

    /// <summary>Not an option: the test is one short run.</summary>
    public override int Epochs { get; init; } = 1;

    /// <summary><c>--seed</c>.</summary>
    [CommandOption("--seed <N>")]
    [Description("MLContext seed (weights and shuffles), as train's: the same seed starts from the same weights.")]
    [DefaultValue(1)]
    public override int Seed { get; init; } = 1;

    /// <summary><c>--images</c>.</summary>
    [CommandOption("--images <DIR>")]
    [Description("Test on an image folder instead of MNIST: one sub-folder per label holding .png, .jpg, .jpeg or .bmp files.")]
    public override string? Images { get; init; }

    /// <summary><c>--input</c>.</summary>
    [CommandOption("--input <SHAPE>")]
    [Description("The network's input CxHxW, as train's --input. Default: the architecture's own input.")]
    public override string? Input { get; init; }

    /// <summary><c>--normalize</c>.</summary>
    [CommandOption("--normalize <NAME>")]
    [Description("Input normalisation after pixel / 255: none, or imagenet (needs a 3-channel input).")]
    [DefaultValue("none")]
    public override string Normalize { get; init; } = "none";

    /// <summary><c>--start-lr</c>.</summary>
    [CommandOption("--start-lr <RATE>")]
    [Description("The rate of the first step.")]
    [DefaultValue(1e-7)]
    public double StartLearningRate { get; init; } = 1e-7;

    /// <summary><c>--end-lr</c>.</summary>
    [CommandOption("--end-lr <RATE>")]
    [Description("The rate the test rises towards (geometrically, step by step).")]
    [DefaultValue(10.0)]
    public double EndLearningRate { get; init; } = 10;

    /// <summary><c>--steps</c>.</summary>
    [CommandOption("--steps <N>")]
    [Description("Batches in the test, at least 10 (it stops early when the loss diverges).")]
    [DefaultValue(100)]
    public int Steps { get; init; } = 100;

    /// <summary><c>--json</c>.</summary>
    [CommandOption("--json <FILE>")]
    [Description("Write the curve (rate, loss, smoothed loss per step) and suggestedLearningRate as JSON.")]
    public string? Json { get; init; }

    /// <summary><c>--plots</c>.</summary>
    [CommandOption("--plots <DIR>")]
    [Description("Write lr-find.png, the loss against the rate with the suggestion marked, into DIR (created if missing).")]
    public string? Plots { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (base.Validate() is { Successful: false } shared) return shared;
        if (!Schedule.Equals("constant", StringComparison.OrdinalIgnoreCase) || WarmupEpochs > 0 || EarlyStopping is not null || ValidationFraction is not null)
            return ValidationResult.Error("lr-find sets the rate of every step itself and validates on nothing: leave out --schedule, --warmup-epochs, --early-stopping and --validation-fraction.");
        if (!(StartLearningRate > 0 && double.IsFinite(StartLearningRate)))
            return ValidationResult.Error($"--start-lr must be a positive number (got {StartLearningRate.ToString(CultureInfo.InvariantCulture)}).");
        if (!(EndLearningRate > StartLearningRate && double.IsFinite(EndLearningRate)))
            return ValidationResult.Error($"--end-lr must be above --start-lr ({StartLearningRate.ToString(CultureInfo.InvariantCulture)}); got {EndLearningRate.ToString(CultureInfo.InvariantCulture)}.");
        if (Steps < 10) return ValidationResult.Error($"--steps must be at least 10 (got {Steps}): the suggestion leaves out the first tenth and the last 5 steps.");
        if (!CnnArchitectures.TryGet(Architecture, out var architecture)) return ValidationResult.Error(ArchitectureName.Unknown(Architecture));
        if (ImageDataSettings.Check(this, architecture) is { } imageError) return ValidationResult.Error(imageError);
        return ValidationResult.Success();
    }
}
