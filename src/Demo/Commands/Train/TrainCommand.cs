using System.Globalization;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Models;
using CnnMl.Demo.Plots;
using CnnMl.Demo.Steps;
using CnnMl.Inspection;
using CnnMl.Interpretation;
using CnnMl.Persistence;
using CnnMl.Scoring;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Train;

/// <summary>
/// <c>cnnml train</c>: the Model Builder flow for image classification on MNIST — load data, train with
/// live progress, evaluate with ML.NET, save the model zip and its consumption code, try a prediction, and
/// show how to consume the model.
/// </summary>
public sealed class TrainCommand : Command<TrainSettings>
{
    public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellation)
    {
        // Every output path is checked before any work: a typo must not cost a training run.
        OutputFiles.EnsureWritable("--out", settings.Out);
        OutputFiles.EnsureWritable("--out (its consumption code)", settings.ConsumptionCodePath);
        OutputFiles.EnsureWritable("--metrics-json", settings.MetricsJson);
        OutputFiles.EnsureWritable("--checkpoint", settings.Checkpoint);
        OutputFiles.EnsureWritable("--weights-out", settings.WeightsOut);
        var initialWeights = settings.Weights is null ? null : OutputFiles.RequireFile("--weights", settings.Weights);
        var resumeFrom = settings.Resume is null ? null : OutputFiles.RequireFile("--resume", settings.Resume);
        var plots = PlotFolder.Open("--plots", settings.Plots);

        var architecture = CnnArchitectures.Get(settings.Architecture);
        var scenario = settings.ClipFrames is null ? "image classification" : "volumes";
        AnsiConsole.Write(new Rule($"[bold]CnnMl[/] · {scenario} · [blue]{architecture.Name}[/]").LeftJustified());
        AnsiConsole.MarkupLineInterpolated($"[grey]{architecture.Description}[/]");

        var ml = TrainRunSetup.CreateContext(settings);
        var data = PreparedData.Load(ml, settings, architecture);
        var (train, test, trainImages, testImages) = (data.Train, data.Test, data.TrainImages, data.TestImages);
        var options = TrainRunSetup.TrainerOptions(settings, data, cancellation, resumeFrom, initialWeights);
        if (resumeFrom is not null) AnsiConsole.MarkupLineInterpolated($"Resuming from {resumeFrom}");
        AnsiConsole.MarkupLineInterpolated($"Training: {TrainingControlOptions.Describe(options)}, batch {settings.BatchSize}, {settings.Epochs} epoch(s){TimeLimitText(settings)}, seed {settings.Seed}");
        if (settings.Weights is { } weights)
            AnsiConsole.MarkupLineInterpolated(
                $"Starting from [bold]{weights}[/]{(settings.ReplaceClassifier ? $", new classifier '{architecture.ClassifierName}'" : "")}{(settings.FreezeEpochs > 0 ? $", backbone frozen for {settings.FreezeEpochs} epoch(s)" : "")}");

        using (var model = LiveTraining.Fit(ml, options, train))
        {
            var summary = model.TrainingSummary!;
            var epochsTrained = TrainRunSetup.EpochsTrained(settings, model);
            var metrics = TestSetEvaluation.Show(ml, model, test, testImages);
            AnsiConsole.MarkupLineInterpolated(
                $"Trained in [bold]{summary.TrainSeconds:F1} s[/] ({summary.ImagesPerSecond:N0} images/s, validation excluded) on {summary.Device}; {model.ParameterCount:N0} parameters.");
            AnsiConsole.MarkupLineInterpolated($"test accuracy: {metrics.MicroAccuracy:P2}");
            if (settings.Checkpoint is not null)
                AnsiConsole.MarkupLineInterpolated($"Checkpoint (last finished epoch): {Path.GetFullPath(settings.Checkpoint)}");

            // Ctrl+C after training but before saving still leaves no output behind.
            cancellation.ThrowIfCancellationRequested();
            ConsumptionCodeFile? consumption = null;
            ModelMetrics? savedMetrics = null;
            if (settings.Out is { } modelPath)
            {
                (consumption, savedMetrics) = ModelSaving.SaveAndReload(ml, model, data, modelPath, settings.Seed, epochsTrained, cancellation);
            }

            if (settings.WeightsOut is { } weightsOut)
            {
                model.SaveWeights(weightsOut);
                var load = weightsOut.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
                    ? "model.load_state_dict(safetensors.torch.load_file(path))"
                    : "model.load_state_dict(torch.load(path))";
                AnsiConsole.MarkupLineInterpolated($"Weights written to {Path.GetFullPath(weightsOut)} (PyTorch: {load}; see scripts/pytorch)");
            }

            TryAPrediction(ml, model, data, settings);
            ModelSaving.ShowHowToConsume(consumption, model, data.Data, epochsTrained);

            if (settings.MetricsJson is { } path)
            {
                var written = new RunMetrics(architecture.Name, epochsTrained, trainImages, testImages, metrics.MicroAccuracy, metrics.MacroAccuracy,
                    metrics.LogLoss, summary.TrainSeconds, summary.ImagesPerSecond, model.ParameterCount, summary.Seed, settings.Threads,
                    summary.FinalLoss, WeightsDigest.Sha256(model.Module), savedMetrics).WriteTo(path);
                AnsiConsole.MarkupLineInterpolated($"Metrics written to {written}");
            }

            if (plots is not null)
            {
                cancellation.ThrowIfCancellationRequested();
                // The scored view is lazy: the pictures score the test rows again, as the evaluation did.
                DrawPictures(plots, model, model.Transform(test), metrics, settings, data.Data.Source);
            }
        }
        return 0;
    }

    private static string TimeLimitText(TrainSettings settings) =>
        settings.MaxMinutes is { } minutes ? $" or {minutes.ToString(CultureInfo.InvariantCulture)} min, whichever ends first" : "";

    /// <summary>
    /// <c>--plots</c>: the run's training curves, confusion matrix, misclassified test images (from the features the
    /// network was tested on: MNIST's pixels, or an image folder's after the input chain), first kernels, top losses,
    /// most confused pairs and Grad-CAM.
    /// </summary>
    private static void DrawPictures(PlotFolder plots, CnnTransformer model, IDataView scored, MulticlassClassificationMetrics metrics, TrainSettings settings, string source)
    {
        var definition = model.Definition;
        var names = definition.ClassNames ?? MnistCatalog.DigitNames;
        // Label and PredictedLabel are 1-based keys of the classes (0: missing, for an image the network could not score).
        string Name(uint key) => key >= 1 && key <= names.Count ? names[(int)key - 1] : "?";
        var predicted = scored.GetColumn<uint>(definition.PredictedLabelColumnName).Select(Name).ToList();
        var truth = scored.GetColumn<uint>(definition.LabelColumnName).Select(Name).ToList();
        var tested = definition.ImageShape.SpatialRank == 2
            ? new TestedImages(truth, predicted, scored.GetColumn<float[]>(definition.FeatureColumnName), definition.ImageShape)
            : null;
        if (tested is null) AnsiConsole.MarkupLine("[grey]The inputs are volumes, not 2-D images: no pictures of the misclassified ones, the top losses or Grad-CAM.[/]");
        var title = $"{definition.Architecture}, {TrainRunSetup.EpochsTrained(settings, model)} epoch(s) on {source}";
        var interpretation = ClassificationInterpretation.FromScoredData(scored, definition.LabelColumnName, definition.ScoreColumnName);
        ClassificationPictures.Write(plots, title, model.TrainingSummary, metrics, names, tested, ConvolutionWeights.FirstOf(model.Module),
            interpretation, method => GradCam.For(model, method: method));
    }

    private static void TryAPrediction(MLContext ml, CnnTransformer model, PreparedData data, TrainSettings settings)
    {
        if (data.Data.SampleImagePath is { } path)
        {
            SamplePrediction.ShowImage(ml, model, data, path, $"Try a prediction: {path} (label {Path.GetFileName(Path.GetDirectoryName(path))})");
            return;
        }
        var digit = MnistDataset.Load(settings.DataDirectory, MnistSplit.Test, maxRows: 1);
        var pixels = digit.Pixels.Select(p => p / 255f).ToArray();
        SamplePrediction.ShowDigit(ml, model, data, pixels, $"Try a prediction: first test image (label {digit.Labels[0]})");
    }
}
