using CnnMl.Architectures;
using CnnMl.Data;

namespace CnnMl.Demo.Commands;

/// <summary>
/// The checks of <c>train</c>'s image options (<c>--images</c>, <c>--test-images</c>, <c>--test-fraction</c>,
/// <c>--input</c>, <c>--normalize</c>), run before any work: a bad value is a usage error naming it.
/// </summary>
internal static class ImageDataSettings
{
    /// <summary>The names <c>--normalize</c> takes.</summary>
    public static readonly IReadOnlyList<string> NormalizationNames = ["none", "imagenet"];

    /// <summary>The normalisation named <paramref name="name"/> (null for "none"); <see cref="ArgumentException"/> for another name.</summary>
    public static PixelNormalization? NormalizationNamed(string name) => name.ToLowerInvariant() switch
    {
        "none" => null,
        "imagenet" => PixelNormalization.ImageNet,
        _ => throw new ArgumentException($"--normalize {name}: give {string.Join(" or ", NormalizationNames)}."),
    };

    /// <summary>The first problem with the image options, or null.</summary>
    public static string? Check(TrainSettings settings, CnnArchitecture architecture)
    {
        if (settings.TestImages is not null && settings.Images is null)
            return $"--test-images {settings.TestImages} needs --images (the training folder); MNIST has its own test set.";
        if (settings.Images is not null)
        {
            if (settings.Data is not null) return $"--data {settings.Data} is MNIST's folder; with --images {settings.Images} leave it out.";
            if (settings.TrainLimit is not null || settings.TestLimit is not null)
                return "--train-limit and --test-limit choose MNIST images; with --images, put the images to use in the folder.";
        }
        if (!(settings.TestFraction > 0 && settings.TestFraction < 1))
            return $"--test-fraction must be between 0 and 1, e.g. 0.2 (got {settings.TestFraction}).";

        if (!NormalizationNames.Contains(settings.Normalize.ToLowerInvariant()))
            return $"--normalize {settings.Normalize}: give {string.Join(" or ", NormalizationNames)}.";
        var normalization = NormalizationNamed(settings.Normalize);

        ImageShape shape;
        string from;
        if (settings.Input is not null)
        {
            try
            {
                shape = ImageShape.Parse(settings.Input);
            }
            catch (FormatException e)
            {
                return $"--input {settings.Input}: {e.Message}";
            }
            from = $"--input {settings.Input}";
        }
        else if (settings.Images is not null)
        {
            shape = architecture.DefaultInput;
            from = $"{architecture.Name}'s input {shape} (no --input given)";
        }
        else if (normalization is not null)
        {
            return $"--normalize {settings.Normalize} is for a 3-channel input; MNIST's digits are 1x28x28: add --input 3xHxW (e.g. 3x32x32).";
        }
        else
        {
            return null; // MNIST as the architecture reads it: the trainer checks the shape as before
        }

        if (shape.SpatialRank != 2 || shape.Channels is not (1 or 3))
            return $"{from}: images are given to a network as 1xHxW (grayscale) or 3xHxW (RGB); {architecture.Name} with {shape} cannot train on them.";
        if (normalization is not null && normalization.Channels != shape.Channels)
            return $"--normalize {settings.Normalize} is for {normalization.Channels} channels; {from} has {shape.Channels}.";
        return ArchitectureRefuses(architecture, shape) is { } why ? $"{from}: {why}" : null;
    }

    /// <summary>
    /// The architecture's own answer for <paramref name="shape"/>: its factory checks the shape (ShapeGuard) and throws
    /// <see cref="ArgumentException"/> naming what does not fit; the module built to ask is disposed at once.
    /// </summary>
    private static string? ArchitectureRefuses(CnnArchitecture architecture, ImageShape shape)
    {
        try
        {
            using var module = architecture.Create(shape, classes: 2);
            return null;
        }
        catch (ArgumentException e)
        {
            // The message without .NET's " (Parameter 'input')" suffix: the option is named instead.
            return e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
        }
    }
}
