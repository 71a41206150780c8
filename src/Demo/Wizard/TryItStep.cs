using CnnMl.Data;
using CnnMl.Demo.Commands.Train;
using CnnMl.Demo.Models;
using CnnMl.Demo.Steps;
using CnnMl.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;
using ImageFiles = CnnMl.Demo.Models.ImageFiles;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// Step 8: try the model on a random test image (MNIST's, or a file of the image folder's test set) or on an image
/// file (PNG, JPEG, BMP, read as <c>cnnml predict</c> reads it), as often as the user likes. Each prediction shows the label and top 3 classes; MNIST digits
/// are drawn too. Escape at the file question returns to the menu; Escape at the menu throws
/// <see cref="StepBackException"/> (<see cref="GuidedRun"/> offers to go back to the questions).
/// </summary>
internal static class TryItStep
{
    /// <summary>What to try the model on next.</summary>
    public enum Choice
    {
        /// <summary>A test image drawn at random.</summary>
        RandomTestImage,

        /// <summary>An image file the user names.</summary>
        ImageFile,

        /// <summary>Go on to saving.</summary>
        Done,
    }

    /// <summary>Runs the step; returns the predicted labels in the order tried.</summary>
    public static IReadOnlyList<string> Run(WizardConsole wizard, MLContext ml, CnnTransformer model, PreparedData data, TrainSettings settings, int seed)
    {
        wizard.Step(8, "Try it");
        var predictions = new List<string>();
        var random = new Random(seed);
        MnistDataset? test = null;
        List<string>? testFiles = null;
        while (true)
        {
            var choice = wizard.Ask(new SelectionPrompt<Choice>()
                .Title(predictions.Count == 0 ? "Try the model on:" : "Try another?")
                .AddChoices(Choice.RandomTestImage, Choice.ImageFile, Choice.Done)
                .DefaultValue(predictions.Count == 0 ? Choice.RandomTestImage : Choice.Done)
                .UseConverter(c => c switch
                {
                    Choice.RandomTestImage => "a random test image",
                    Choice.ImageFile => "an image file (PNG, JPEG, BMP)",
                    _ => "no more: go on to saving",
                }));
            if (choice == Choice.Done) return predictions;
            if (choice == Choice.RandomTestImage && settings.Images is not null)
            {
                // An image folder's test rows: their files, labeled by their folder.
                testFiles ??= data.Data.Test.GetColumn<string>(ImageInputCatalog.ImagePathColumnName).ToList();
                var index = random.Next(testFiles.Count);
                var file = testFiles[index];
                predictions.Add(SamplePrediction.ShowImage(ml, model, data, file,
                    $"test image {index:N0}: {Path.GetFileName(file)} (label {Path.GetFileName(Path.GetDirectoryName(file))})"));
            }
            else if (choice == Choice.RandomTestImage)
            {
                test ??= MnistDataset.Load(settings.DataDirectory, MnistSplit.Test, settings.TestLimit);
                var index = random.Next(test.Count);
                var plane = test.Rows * test.Columns;
                var pixels = test.Pixels.AsSpan(index * plane, plane).ToArray().Select(p => p / 255f).ToArray();
                predictions.Add(SamplePrediction.ShowDigit(ml, model, data, pixels, $"test image {index:N0} (label {test.Labels[index]})"));
            }
            else
            {
                string path;
                try
                {
                    path = wizard.Ask(new TextPrompt<string>("Image file? (empty or Escape: back)")
                        .AllowEmpty()
                        .DefaultValue("")
                        .HideDefaultValue()
                        .Validate(p => p.Length == 0 || IsImageFile(p) ? ValidationResult.Success()
                            : ValidationResult.Error($"[red]'{Markup.Escape(p)}' is not a PNG, JPEG or BMP file that exists.[/]")));
                }
                catch (StepBackException)
                {
                    continue;
                }
                if (path.Length == 0) continue;
                // An image-folder model reads the file through its saved input chain; an MNIST model reads a 28×28 digit.
                if (settings.Images is not null)
                {
                    predictions.Add(SamplePrediction.ShowImage(ml, model, data, path, Path.GetFileName(path)));
                    continue;
                }
                var pixels = ImageFiles.GrayscaleVectors(ml, [Path.GetFullPath(path)], 28)[0];
                predictions.Add(SamplePrediction.ShowDigit(ml, model, data, pixels, Path.GetFileName(path)));
            }
        }
    }

    private static bool IsImageFile(string path) =>
        File.Exists(path) && ImageFiles.Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);
}
