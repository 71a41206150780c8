using System.Globalization;
using CnnMl.Data;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Commands.Train;
using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// Step 2: the data. Images: MNIST's digits, or an image folder in Model Builder's layout (one sub-folder per label,
/// what <c>cnnml train --images</c> reads). Volumes: MNIST's digits as shifted-frame clips. For MNIST, then the folder
/// and how many training and test images to use (all by default; fewer for a quick first run). Each question's default
/// is the earlier answer when Escape comes back to this step.
/// </summary>
internal static class DataStep
{
    /// <summary>Where the images come from.</summary>
    public enum Source
    {
        /// <summary>MNIST's idx files.</summary>
        Mnist,

        /// <summary>A folder with one sub-folder per label.</summary>
        ImageFolder,
    }

    /// <summary>The image-folder question's default: data/images under the current folder.</summary>
    public static string DefaultImageFolder => Path.Combine("data", "images");

    public static WizardAnswers Ask(WizardConsole wizard, WizardAnswers answers)
    {
        wizard.Step(2, "Data");
        var console = wizard.Console;
        int? frames = null;
        var progress = answers;
        if (answers.Scenario == Scenario.Volumes)
        {
            console.MarkupLine("Volumes: each MNIST digit becomes a clip whose frame [italic]d[/] is the digit shifted [italic]d[/] pixels right.");
            frames = wizard.Ask(new TextPrompt<int>("Frames per clip?")
                .DefaultValue(answers.Frames ?? ShiftedFrames.DefaultFrames)
                .Validate(n => n is >= 1 and <= 28 ? ValidationResult.Success() : ValidationResult.Error("[red]Give 1 to 28 frames.[/]")));
            wizard.Progress = progress = progress with { Frames = frames };
        }
        else
        {
            var source = wizard.Ask(new SelectionPrompt<Source>()
                .Title("Which images?")
                .AddChoices(Source.Mnist, Source.ImageFolder)
                .DefaultValue(answers.Images is null ? Source.Mnist : Source.ImageFolder)
                .UseConverter(s => s == Source.Mnist
                    ? "MNIST handwritten digits (idx files, 10 classes, 1×28×28)"
                    : "my image folder (one sub-folder per label, .png/.jpg/.jpeg/.bmp)"));
            if (source == Source.ImageFolder) return AskImageFolder(wizard, answers);
            console.MarkupLine("Images: [bold]MNIST handwritten digits[/] (idx files, 10 classes, 1×28×28).");
            wizard.Progress = progress = progress with { Images = null };
        }

        var defaultFolder = OutputFiles.MnistDirectory(null);
        var folder = wizard.Ask(new TextPrompt<string>("MNIST folder?")
            .DefaultValue(answers.DataDirectory ?? defaultFolder)
            .Validate(path => HasMnist(path) ? ValidationResult.Success()
                : ValidationResult.Error($"[red]No MNIST idx files in {Markup.Escape(Path.GetFullPath(path))}; give the folder with {MnistDataset.FileNames(MnistSplit.Train).Images} (cnnml data mnist --data DIR fetches them).[/]")));
        wizard.Progress = progress = progress with { DataDirectory = folder == defaultFolder ? null : folder };
        var trainImages = wizard.Ask(new TextPrompt<int>("Training images? (fewer: a quicker, weaker model)")
            .DefaultValue(answers.TrainLimit ?? WizardAnswers.MnistTrainImages)
            .Validate(n => n is >= 1 and <= WizardAnswers.MnistTrainImages ? ValidationResult.Success() : ValidationResult.Error($"[red]Give 1 to {WizardAnswers.MnistTrainImages:N0}.[/]")));
        wizard.Progress = progress = progress with { TrainLimit = trainImages == WizardAnswers.MnistTrainImages ? null : trainImages };
        var testImages = wizard.Ask(new TextPrompt<int>("Test images?")
            .DefaultValue(answers.TestLimit ?? WizardAnswers.MnistTestImages)
            .Validate(n => n is >= 1 and <= WizardAnswers.MnistTestImages ? ValidationResult.Success() : ValidationResult.Error($"[red]Give 1 to {WizardAnswers.MnistTestImages:N0}.[/]")));

        return answers with
        {
            Frames = frames,
            Images = null,
            Input = null,
            ImageFolderTrainImages = null,
            Classes = KnownInputs.MnistClasses,
            DataDirectory = folder == defaultFolder ? null : folder,
            TrainLimit = trainImages == WizardAnswers.MnistTrainImages ? null : trainImages,
            TestLimit = testImages == WizardAnswers.MnistTestImages ? null : testImages,
        };
    }

    /// <summary>
    /// The image folder, checked as <c>cnnml train --images</c> checks it (<see cref="ImageFolder.Load"/>: the layout, at
    /// least two labels, every file decodable); a refused folder is asked again with the reason. The test set is
    /// <c>train</c>'s default: a stratified share of each label, seeded.
    /// </summary>
    private static WizardAnswers AskImageFolder(WizardConsole wizard, WizardAnswers answers)
    {
        ImageFolder? loaded = null;
        var folder = wizard.Ask(new TextPrompt<string>("Image folder? (one sub-folder per label)")
            .DefaultValue(answers.Images ?? DefaultImageFolder)
            .Validate(path =>
            {
                var problem = ImageFolderProblem(path, out loaded);
                return problem is null ? ValidationResult.Success() : ValidationResult.Error($"[red]{Markup.Escape(problem)}[/]");
            }));
        loaded ??= ImageFolder.Load(folder);
        var defaults = new TrainSettings();
        var split = loaded.Split(defaults.TestFraction, defaults.Seed);
        var percent = defaults.TestFraction.ToString("P0", CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal);
        wizard.Console.MarkupLineInterpolated(
            $"Images: [bold]{loaded.Images.Count:N0}[/] in {loaded.Labels.Count} labels ({string.Join(", ", loaded.Labels)}); {percent} of each label held out for testing: {split.Train.Images.Count:N0} training and {split.Test.Images.Count:N0} test images.");
        return answers with
        {
            Frames = null,
            Images = folder,
            Input = null, // asked with the architecture: its own input is the default
            ImageFolderTrainImages = split.Train.Images.Count,
            Classes = loaded.Labels.Count,
            DataDirectory = null,
            TrainLimit = null,
            TestLimit = null,
        };
    }

    /// <summary>Why <paramref name="path"/> is not an image folder <c>train --images</c> reads, or null (and the folder).</summary>
    internal static string? ImageFolderProblem(string path, out ImageFolder? folder)
    {
        folder = null;
        try
        {
            folder = ImageFolder.Load(path);
            return null;
        }
        catch (Exception e) when (e is DirectoryNotFoundException or InvalidDataException or ImageFileException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return e.Message;
        }
    }

    private static bool HasMnist(string folder)
    {
        var (images, labels) = MnistDataset.FileNames(MnistSplit.Train);
        // LoadMnist reads raw or gzipped idx files.
        static bool Present(string path) => File.Exists(path) || File.Exists(path + ".gz");
        return Present(Path.Combine(folder, images)) && Present(Path.Combine(folder, labels));
    }
}
