using CnnMl.Data;
using CnnMl.Demo.Commands;
using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// Step 2: the data. Images: MNIST's digits. Volumes: MNIST's digits as shifted-frame clips. Then the MNIST folder
/// and how many training and test images to use (all by default; fewer for a quick first run).
/// </summary>
internal static class DataStep
{
    /// <summary>Said where an image folder would be offered: Model Builder's layout is not yet in <c>cnnml train</c>.</summary>
    public const string ImageFolderNote =
        "Image folders (one sub-folder per label) are not offered yet: the guided mode trains through 'cnnml train', " +
        "which reads them once its --images option lands (issue 9, item 1).";

    public static WizardAnswers Ask(WizardConsole wizard, WizardAnswers answers)
    {
        wizard.Step(2, "Data");
        var console = wizard.Console;
        int? frames = null;
        if (answers.Scenario == Scenario.Volumes)
        {
            console.MarkupLine("Volumes: each MNIST digit becomes a clip whose frame [italic]d[/] is the digit shifted [italic]d[/] pixels right.");
            frames = wizard.Ask(new TextPrompt<int>("Frames per clip?")
                .DefaultValue(ShiftedFrames.DefaultFrames)
                .Validate(n => n is >= 1 and <= 28 ? ValidationResult.Success() : ValidationResult.Error("[red]Give 1 to 28 frames.[/]")));
        }
        else
        {
            console.MarkupLine("Images: [bold]MNIST handwritten digits[/] (idx files, 10 classes, 1×28×28).");
            console.MarkupLine($"[grey]{Markup.Escape(ImageFolderNote)}[/]");
        }

        var defaultFolder = OutputFiles.MnistDirectory(null);
        var folder = wizard.Ask(new TextPrompt<string>("MNIST folder?")
            .DefaultValue(defaultFolder)
            .Validate(path => HasMnist(path) ? ValidationResult.Success()
                : ValidationResult.Error($"[red]No MNIST idx files in {Markup.Escape(Path.GetFullPath(path))}; give the folder with {MnistDataset.FileNames(MnistSplit.Train).Images}.[/]")));
        var trainImages = wizard.Ask(new TextPrompt<int>("Training images? (fewer: a quicker, weaker model)")
            .DefaultValue(WizardAnswers.MnistTrainImages)
            .Validate(n => n is >= 1 and <= WizardAnswers.MnistTrainImages ? ValidationResult.Success() : ValidationResult.Error($"[red]Give 1 to {WizardAnswers.MnistTrainImages:N0}.[/]")));
        var testImages = wizard.Ask(new TextPrompt<int>("Test images?")
            .DefaultValue(WizardAnswers.MnistTestImages)
            .Validate(n => n is >= 1 and <= WizardAnswers.MnistTestImages ? ValidationResult.Success() : ValidationResult.Error($"[red]Give 1 to {WizardAnswers.MnistTestImages:N0}.[/]")));

        return answers with
        {
            Frames = frames,
            DataDirectory = folder == defaultFolder ? null : folder,
            TrainLimit = trainImages == WizardAnswers.MnistTrainImages ? null : trainImages,
            TestLimit = testImages == WizardAnswers.MnistTestImages ? null : testImages,
        };
    }

    private static bool HasMnist(string folder)
    {
        var (images, labels) = MnistDataset.FileNames(MnistSplit.Train);
        // LoadMnist reads raw or gzipped idx files.
        static bool Present(string path) => File.Exists(path) || File.Exists(path + ".gz");
        return Present(Path.Combine(folder, images)) && Present(Path.Combine(folder, labels));
    }
}
