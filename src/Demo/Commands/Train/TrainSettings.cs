using System.ComponentModel;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Models;
using CnnMl.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Train;

/// <summary>Options of <c>cnnml train</c>.</summary>
public sealed class TrainSettings : DataAndTrainingSettings
{
    [CommandOption("--arch <NAME>")]
    [Description("Architecture from the registry (cnnml architectures lists them).")]
    [DefaultValue(CnnArchitectures.MnistCnn)]
    public string Architecture { get; init; } = CnnArchitectures.MnistCnn;

    [CommandOption("--epochs <N>")]
    [Description("Epochs to train (with --resume: the total, those already done included).")]
    [DefaultValue(CnnTrainerOptions.DefaultEpochs)]
    public override int Epochs { get; init; } = CnnTrainerOptions.DefaultEpochs;

    [CommandOption("--seed <N>")]
    [Description("MLContext seed (weights and shuffles).")]
    [DefaultValue(1)]
    public override int Seed { get; init; } = 1;

    [CommandOption("--images <DIR>")]
    [Description("Train on an image folder instead of MNIST: one sub-folder per label (Model Builder's layout) holding .png, .jpg, .jpeg or .bmp files.")]
    public override string? Images { get; init; }

    [CommandOption("--input <SHAPE>")]
    [Description("The network's input CxHxW: images, or MNIST digits, resized to it with 1 (grayscale) or 3 (RGB) channels, e.g. 3x32x32. Default: the architecture's own input (see cnnml architectures).")]
    public override string? Input { get; init; }

    [CommandOption("--normalize <NAME>")]
    [Description("Input normalization after pixel / 255: none, or imagenet (per-channel mean 0.485, 0.456, 0.406 and std 0.229, 0.224, 0.225, what torchvision's pretrained --weights expect; needs a 3-channel input).")]
    [DefaultValue("none")]
    public override string Normalize { get; init; } = "none";

    [CommandOption("--report-every <N>")]
    [Description("Print a progress line every N batches (0: once per epoch).")]
    [DefaultValue(CnnTrainerOptions.DefaultReportEveryBatches)]
    public int ReportEvery { get; init; } = CnnTrainerOptions.DefaultReportEveryBatches;

    [CommandOption("--validate-every <N>")]
    [Description("Also measure test accuracy every N batches, as the source document does (0: once per epoch).")]
    [DefaultValue(0)]
    public int ValidateEvery { get; init; }

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
    [CommandOption("--out <FILE>")]
    [Description("Save the trained pipeline as an ML.NET model zip (loads with plain mlContext.Model.Load) and write FILE's consumption code beside it (model.zip -> model.consume.cs).")]
    public string? Out { get; init; }

    [CommandOption("--checkpoint <FILE>")]
    [Description("Write a CnnMl training checkpoint at the end of every epoch (weights, optimizer state, epoch, RNG state).")]
    public string? Checkpoint { get; init; }

    [CommandOption("--resume <FILE>")]
    [Description("Continue training from a checkpoint written by --checkpoint (same options and data as that run).")]
    public string? Resume { get; init; }

    [CommandOption("--max-minutes <MINUTES>")]
    [Description("Training budget in minutes: stop after the batch in progress once it has run out and keep the model trained so far (--epochs stays the upper bound).")]
    public double? MaxMinutes { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("cpu, or cuda (CUDA device 0; needs a CUDA build of libtorch and a GPU).")]
    [DefaultValue(TrainDevice.Cpu)]
    public TrainDevice Device { get; init; } = TrainDevice.Cpu;

    [CommandOption("--frames <N>")]
    [Description("Train on MNIST digits as clips of N frames, each shifted one pixel more (volumes for 3D networks). Default for conv3d: 8.")]
    public int? Frames { get; init; }

    [CommandOption("--plots <DIR>")]
    [Description("Write pictures as PNGs into DIR (created if missing): training curves, confusion matrix, misclassified test images, first convolution's kernels.")]
    public string? Plots { get; init; }

    /// <summary>Where <c>--out</c>'s consumption code goes: beside the zip, named after it.</summary>
    public string? ConsumptionCodePath => Out is null ? null : ConsumptionCodeFile.PathFor(Out);

    /// <summary>Frames per clip: <c>--frames</c>, else <see cref="ShiftedFrames.DefaultFrames"/> for a 3D architecture, else null (images).</summary>
    public override int? ClipFrames => Frames ?? (CnnArchitectures.TryGet(Architecture, out var a) && a.DefaultInput.SpatialRank == 3 ? ShiftedFrames.DefaultFrames : null);

    public override ValidationResult Validate()
    {
        if (Epochs < 1 && !(Epochs == 0 && Weights is not null && !ReplaceClassifier))
            return ValidationResult.Error($"--epochs must be at least 1 (got {Epochs}); 0 only with --weights and without --replace-classifier (evaluate the weights as they are).");
        if (base.Validate() is { Successful: false } shared) return shared;
        if (EarlyStopping is not null && Resume is not null)
            return ValidationResult.Error("--early-stopping cannot continue a resumed run (a checkpoint does not keep the best epoch); resume without it.");
        if (ReportEvery < 0) return ValidationResult.Error($"--report-every must be 0 or more (got {ReportEvery}).");
        if (ValidateEvery < 0) return ValidationResult.Error($"--validate-every must be 0 or more (got {ValidateEvery}).");
        if (Frames is < 1) return ValidationResult.Error($"--frames must be at least 1 (got {Frames}).");
        if (Frames is not null && CnnArchitectures.TryGet(Architecture, out var flat) && flat.DefaultInput.SpatialRank != 3)
            return ValidationResult.Error($"--frames makes volumes for 3D networks; '{flat.Name}' reads {flat.DefaultInput} images. Drop --frames or use --arch {CnnArchitectures.Conv3d}.");
        if (MaxMinutes is { } minutes && !(minutes > 0 && double.IsFinite(minutes)))
            return ValidationResult.Error($"--max-minutes must be a positive number of minutes (got {minutes}).");
        if (ReplaceClassifier && Weights is null) return ValidationResult.Error("--replace-classifier needs --weights FILE.");
        if (FreezeEpochs < 0) return ValidationResult.Error($"--freeze-epochs must be 0 or more (got {FreezeEpochs}).");
        if (FreezeEpochs > 0 && Weights is null) return ValidationResult.Error("--freeze-epochs needs --weights FILE (it freezes pretrained layers).");
        if (WeightsOut is { } output && !(output.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) || output.EndsWith(".pth", StringComparison.OrdinalIgnoreCase)
                                          || output.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)))
            return ValidationResult.Error($"--weights-out must end in .pt, .pth or .safetensors (got '{output}').");
        if (!CnnArchitectures.TryGet(Architecture, out var architecture))
            return ValidationResult.Error(ArchitectureName.Unknown(Architecture));
        if (ImageDataSettings.Check(this, architecture) is { } imageError) return ValidationResult.Error(imageError);
        var outputs = new[] { ("--out", Out), ("--out's consumption code", ConsumptionCodePath), ("--metrics-json", MetricsJson), ("--checkpoint", Checkpoint), ("--weights-out", WeightsOut) }
            .Where(o => o.Item2 is not null)
            .GroupBy(o => Path.GetFullPath(o.Item2!))
            .FirstOrDefault(g => g.Count() > 1);
        if (outputs is not null)
            return ValidationResult.Error($"{string.Join(" and ", outputs.Select(o => o.Item1))} name the same file '{outputs.Key}'; give each output its own path.");
        return ValidationResult.Success();
    }
}
