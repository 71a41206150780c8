using System.ComponentModel;
using CnnMl.Architectures;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands;

/// <summary>Options of <c>cnnml train</c>.</summary>
public sealed class TrainSettings : CommandSettings
{
    [CommandOption("--arch <NAME>")]
    [Description("Architecture from the registry (cnnml architectures lists them).")]
    [DefaultValue(CnnArchitectures.MnistCnn)]
    public string Architecture { get; init; } = CnnArchitectures.MnistCnn;

    [CommandOption("--epochs <N>")]
    [DefaultValue(3)]
    public int Epochs { get; init; } = 3;

    [CommandOption("--batch-size <N>")]
    [DefaultValue(64)]
    public int BatchSize { get; init; } = 64;

    [CommandOption("--lr <RATE>")]
    [Description("Adam learning rate.")]
    [DefaultValue(1e-3)]
    public double LearningRate { get; init; } = 1e-3;

    [CommandOption("--seed <N>")]
    [Description("MLContext seed (weights and shuffles).")]
    [DefaultValue(1)]
    public int Seed { get; init; } = 1;

    [CommandOption("--data <DIR>")]
    [Description("Folder with the MNIST idx files. Default: $CNNML_DATA, else data/mnist.")]
    public string? Data { get; init; }

    [CommandOption("--train-limit <N>")]
    [Description("Use only the first N training images.")]
    public int? TrainLimit { get; init; }

    [CommandOption("--test-limit <N>")]
    [Description("Use only the first N test images.")]
    public int? TestLimit { get; init; }

    [CommandOption("--report-every <N>")]
    [Description("Print a progress line every N batches (0: once per epoch).")]
    [DefaultValue(100)]
    public int ReportEvery { get; init; } = 100;

    [CommandOption("--validate-every <N>")]
    [Description("Also measure test accuracy every N batches, as the source document does (0: once per epoch).")]
    [DefaultValue(0)]
    public int ValidateEvery { get; init; }

    [CommandOption("--threads <N>")]
    [Description("libtorch threads (default: libtorch's choice, one per core).")]
    public int? Threads { get; init; }

    [CommandOption("--metrics-json <FILE>")]
    [Description("Write the run's figures as JSON.")]
    public string? MetricsJson { get; init; }

    [CommandOption("--weights <FILE>")]
    [Description("Start from these weights: a PyTorch state_dict (.pt/.pth, torch.save(model.state_dict(), FILE)) or .safetensors.")]
    public string? Weights { get; init; }

    [CommandOption("--replace-classifier")]
    [Description("With --weights: a new classifier layer for this data's classes; the file's is ignored.")]
    public bool ReplaceClassifier { get; init; }

    [CommandOption("--freeze-epochs <K>")]
    [Description("With --weights: train only the classifier for the first K epochs, then everything.")]
    [DefaultValue(0)]
    public int FreezeEpochs { get; init; }

    [CommandOption("--weights-out <FILE>")]
    [Description("Write the trained weights for PyTorch: FILE.pt (torch.load) or FILE.safetensors.")]
    public string? WeightsOut { get; init; }

    public string DataDirectory => OutputFiles.MnistDirectory(Data);

    public override ValidationResult Validate()
    {
        if (Epochs < 1 && !(Epochs == 0 && Weights is not null && !ReplaceClassifier))
            return ValidationResult.Error($"--epochs must be at least 1 (got {Epochs}); 0 only with --weights and without --replace-classifier (evaluate the weights as they are).");
        if (BatchSize < 1) return ValidationResult.Error($"--batch-size must be at least 1 (got {BatchSize}).");
        if (!(LearningRate > 0)) return ValidationResult.Error($"--lr must be positive (got {LearningRate}).");
        if (TrainLimit is < 1) return ValidationResult.Error($"--train-limit must be at least 1 (got {TrainLimit}).");
        if (TestLimit is < 1) return ValidationResult.Error($"--test-limit must be at least 1 (got {TestLimit}).");
        if (ReportEvery < 0) return ValidationResult.Error($"--report-every must be 0 or more (got {ReportEvery}).");
        if (ValidateEvery < 0) return ValidationResult.Error($"--validate-every must be 0 or more (got {ValidateEvery}).");
        if (Threads is < 1) return ValidationResult.Error($"--threads must be at least 1 (got {Threads}).");
        if (Weights is { } weights && !File.Exists(weights)) return ValidationResult.Error($"--weights: file '{weights}' does not exist.");
        if (ReplaceClassifier && Weights is null) return ValidationResult.Error("--replace-classifier needs --weights FILE.");
        if (FreezeEpochs < 0) return ValidationResult.Error($"--freeze-epochs must be 0 or more (got {FreezeEpochs}).");
        if (FreezeEpochs > 0 && Weights is null) return ValidationResult.Error("--freeze-epochs needs --weights FILE (it freezes pretrained layers).");
        if (WeightsOut is { } output && !(output.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) || output.EndsWith(".pth", StringComparison.OrdinalIgnoreCase)
                                          || output.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)))
            return ValidationResult.Error($"--weights-out must end in .pt, .pth or .safetensors (got '{output}').");
        if (!CnnArchitectures.TryGet(Architecture, out _))
            return ValidationResult.Error($"Unknown architecture '{Architecture}'. Known: {string.Join(", ", CnnArchitectures.All.Select(a => a.Name))}.");
        return ValidationResult.Success();
    }
}
