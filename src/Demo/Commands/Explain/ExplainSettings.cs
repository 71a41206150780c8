using System.ComponentModel;
using CnnMl.Demo.Models;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Plots;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Explain;

/// <summary>Options of <c>cnnml explain</c>.</summary>
public sealed class ExplainSettings : CnnmlSettings
{
    /// <summary>The default picture.</summary>
    public const string DefaultOut = "grad-cam.png";

    [CommandArgument(0, "<IMAGES>")]
    [Description("Image files to explain (.png, .jpg, .jpeg, .bmp).")]
    public string[] Images { get; init; } = [];

    [CommandOption("--checkpoint <FILE>", isRequired: true)]
    [Description("A checkpoint written by cnnml train --checkpoint: Grad-CAM needs the network's gradients, which a model zip (ONNX) does not give.")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("--out <FILE>")]
    [Description("The PNG to write.")]
    [DefaultValue(DefaultOut)]
    public string Out { get; init; } = DefaultOut;

    [CommandOption("--cam <METHOD>")]
    [Description("auto (Grad-CAM for a network that averages its last feature map before the classifier, HiResCAM for one that flattens it), gradcam, or hirescam.")]
    [DefaultValue(CamChoice.Auto)]
    public CamChoice Cam { get; init; } = CamChoice.Auto;

    [CommandOption("--layer <NAME>")]
    [Description("The layer to explain with, by its path in the network (e.g. conv2, layer4.1); default: the last layer whose output is a feature map larger than 1x1.")]
    public string? Layer { get; init; }

    [CommandOption("--normalize <NAME>")]
    [Description("The input normalization the model was trained with: none, or imagenet.")]
    [DefaultValue("none")]
    public string Normalize { get; init; } = "none";

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Checkpoint)) return ValidationResult.Error("--checkpoint needs the path of a checkpoint (cnnml train --checkpoint FILE writes one).");
        if (Images.Length == 0) return ValidationResult.Error("Give at least one image file to explain.");
        var unsupported = Images.FirstOrDefault(i => !ImageFiles.Extensions.Contains(Path.GetExtension(i).ToLowerInvariant()));
        if (unsupported is not null)
            return ValidationResult.Error($"'{unsupported}' is not an image cnnml explain reads; give {string.Join(", ", ImageFiles.Extensions)} files.");
        if (!Out.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) return ValidationResult.Error($"--out {Out}: the picture is a PNG; give a path ending in .png.");
        if (!ImageDataSettings.NormalizationNames.Contains(Normalize.ToLowerInvariant()))
            return ValidationResult.Error($"--normalize {Normalize}: give {string.Join(" or ", ImageDataSettings.NormalizationNames)}.");
        if (Layer is { } layer && string.IsNullOrWhiteSpace(layer)) return ValidationResult.Error("--layer needs a layer's path (cnnml summary lists them).");
        return ValidationResult.Success();
    }
}
