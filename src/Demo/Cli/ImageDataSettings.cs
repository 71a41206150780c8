using CnnMl.Architectures;
using CnnMl.Data;

namespace CnnMl.Demo.Cli;

/// <summary>
/// The checks of <c>train</c>'s and <c>compare</c>'s image options (<c>--images</c>, <c>--test-images</c>, <c>--test-fraction</c>,
/// <c>--input</c>, <c>--normalize</c>), run before any work: a bad value is a usage error naming it.
/// </summary>
internal static class ImageDataSettings
{
    /// <summary>The names <c>--normalize</c> takes.</summary>
    public static readonly IReadOnlyList<string> NormalizationNames = ["none", "imagenet"];

    /// <summary>The normalization named <paramref name="name"/> (null for "none"); <see cref="ArgumentException"/> for another name.</summary>
    public static PixelNormalization? NormalizationNamed(string name) => name.ToLowerInvariant() switch
    {
        "none" => null,
        "imagenet" => PixelNormalization.ImageNet,
        _ => throw new ArgumentException($"--normalize {name}: give {string.Join(" or ", NormalizationNames)}."),
    };

    /// <summary>The first problem with <c>train</c>'s image options for <paramref name="architecture"/>, or null.</summary>
    public static string? Check(IDataOptions settings, CnnArchitecture architecture)
    {
        if (OptionsProblem(settings) is { } problem) return problem;
        var normalization = NormalizationNamed(settings.Normalize);
        if (settings.Input is null && settings.Images is null)
        {
            // MNIST as the architecture reads it: the trainer checks the shape as before
            return normalization is null ? null : MnistNeedsInput(settings);
        }
        var (shape, from) = settings.Input is not null
            ? (ImageShape.Parse(settings.Input), $"--input {settings.Input}")
            : (architecture.DefaultInput, $"{architecture.Name}'s input {architecture.DefaultInput} (no --input given)");
        return ShapeProblem(settings, shape, from, architecture);
    }

    /// <summary>
    /// The first problem with <c>compare</c>'s image options, or null: every architecture is built for the one
    /// <see cref="SharedInput"/>, and the first that cannot take it is named with the reason.
    /// </summary>
    public static string? CheckEvery(IDataOptions settings, IReadOnlyList<CnnArchitecture> architectures)
    {
        if (OptionsProblem(settings) is { } problem) return problem;
        if (settings.Input is null && settings.Images is null && NormalizationNamed(settings.Normalize) is not null) return MnistNeedsInput(settings);
        var (shape, from) = SharedInput(settings, architectures[0]);
        foreach (var architecture in architectures)
        {
            if (ShapeProblem(settings, shape, from, architecture) is { } why) return $"--archs {architecture.Name}: {why}";
        }
        return null;
    }

    /// <summary>
    /// The one input every architecture of a <c>compare</c> run is built for, and where it comes from: <c>--input</c>;
    /// else MNIST's own 1x28x28; else (an image folder) the first architecture's own input.
    /// </summary>
    public static (ImageShape Shape, string From) SharedInput(IDataOptions settings, CnnArchitecture first) =>
        settings.Input is not null ? (ImageShape.Parse(settings.Input), $"--input {settings.Input}")
        : settings.Images is null ? (KnownInputs.Mnist, $"MNIST's {KnownInputs.Mnist} (no --input given)")
        : (first.DefaultInput, $"{first.Name}'s input {first.DefaultInput}, the first architecture's (no --input given)");

    /// <summary>The problems that do not depend on an architecture: options that do not go together, bad values.</summary>
    private static string? OptionsProblem(IDataOptions settings)
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
        if (settings.Input is not null)
        {
            try
            {
                ImageShape.Parse(settings.Input);
            }
            catch (FormatException e)
            {
                return $"--input {settings.Input}: {e.Message}";
            }
        }
        return null;
    }

    private static string MnistNeedsInput(IDataOptions settings) =>
        $"--normalize {settings.Normalize} is for a 3-channel input; MNIST's digits are 1x28x28: add --input 3xHxW (e.g. 3x32x32).";

    /// <summary>Whether <paramref name="architecture"/> can be given images of <paramref name="shape"/> (named by <paramref name="from"/>).</summary>
    private static string? ShapeProblem(IDataOptions settings, ImageShape shape, string from, CnnArchitecture architecture)
    {
        var normalization = NormalizationNamed(settings.Normalize);
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
