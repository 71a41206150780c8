using System.ComponentModel;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Predict;

/// <summary>Options of <c>cnnml predict</c>.</summary>
public sealed class PredictSettings : CnnmlSettings
{
    [CommandArgument(0, "<IMAGES>")]
    [Description("Image files to classify (.png, .jpg, .jpeg, .bmp), or folders: every such file in them, sub-folders included.")]
    public string[] Images { get; init; } = [];

    [CommandOption("--model <FILE>", isRequired: true)]
    [Description("The model zip written by cnnml train --out.")]
    public string Model { get; init; } = "";

    [CommandOption("--top <N>")]
    [Description("Classes listed per image, best first.")]
    [DefaultValue(3)]
    public int Top { get; init; } = 3;

    [CommandOption("--json <FILE>")]
    [Description("Also write the predictions as JSON: a list of { path, label, top: list of { label, score } }. A FILE.jsonl streams a folder of any size instead: one such object per line, written as the files are classified (a progress bar in a terminal), a bad file as { path, error } (exit 1 at the end).")]
    public string? Json { get; init; }

    [CommandOption("--invert")]
    [Description("Swap black and white before scoring (for an MNIST model and dark digits on a light background).")]
    [DefaultValue(false)]
    public bool Invert { get; init; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Model)) return ValidationResult.Error("--model needs the path of a model zip.");
        if (Top < 1) return ValidationResult.Error($"--top must be at least 1 (got {Top}).");
        if (Images.Length == 0) return ValidationResult.Error("Give at least one image file to classify.");
        var unsupported = Images.FirstOrDefault(i => !Directory.Exists(i) && !ImageFiles.Extensions.Contains(Path.GetExtension(i).ToLowerInvariant()));
        if (unsupported is not null)
            return ValidationResult.Error($"'{unsupported}' is not an image cnnml predict reads; give {string.Join(", ", ImageFiles.Extensions)} files or a folder of them.");
        return ValidationResult.Success();
    }

    /// <summary>
    /// The image files to classify, listed as they are reached (for a folder too large to list at once): each file
    /// argument as given; a folder's image files in ordinal order by full path, then each sub-folder's the same way, in
    /// ordinal order. A missing file is yielded as given (reading it reports it).
    /// </summary>
    public IEnumerable<string> StreamImageFiles()
    {
        foreach (var image in Images)
        {
            if (!Directory.Exists(image))
            {
                yield return image;
                continue;
            }
            var folders = new Stack<string>([Path.GetFullPath(image)]);
            while (folders.Count > 0)
            {
                var folder = folders.Pop();
                foreach (var file in Directory.EnumerateFiles(folder).Where(CnnMl.Data.ImageFolder.IsImageFile).Order(StringComparer.Ordinal))
                    yield return file;
                foreach (var sub in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal).Reverse())
                    folders.Push(sub);
            }
        }
    }

    /// <summary>
    /// The image files to classify: each file argument as given, and each folder argument's image files (sub-folders
    /// included, in ordinal order). Throws <see cref="FileNotFoundException"/> for a missing file and
    /// <see cref="InvalidDataException"/> for a folder without images.
    /// </summary>
    public IReadOnlyList<string> ImageFilePaths()
    {
        var files = new List<string>();
        foreach (var image in Images)
        {
            if (!Directory.Exists(image))
            {
                files.Add(OutputFiles.RequireFile("image", image));
                continue;
            }
            var found = Directory.EnumerateFiles(image, "*", SearchOption.AllDirectories)
                .Where(CnnMl.Data.ImageFolder.IsImageFile)
                .Select(Path.GetFullPath)
                .Order(StringComparer.Ordinal)
                .ToList();
            if (found.Count == 0)
                throw new InvalidDataException($"Folder '{Path.GetFullPath(image)}' holds no {string.Join(", ", ImageFiles.Extensions)} files to classify.");
            files.AddRange(found);
        }
        return files;
    }
}
