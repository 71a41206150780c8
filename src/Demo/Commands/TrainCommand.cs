using System.Globalization;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Models;
using CnnMl.Demo.Plots;
using CnnMl.Demo.Rendering;
using CnnMl.Inspection;
using CnnMl.Persistence;
using CnnMl.Scoring;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands;

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

        var ml = CreateContext(settings);
        var data = LoadData(ml, settings, architecture);
        var (train, test, trainImages, testImages) = (data.Train, data.Test, data.TrainImages, data.TestImages);
        var options = TrainerOptions(settings, data, cancellation, resumeFrom, initialWeights);
        if (resumeFrom is not null) AnsiConsole.MarkupLineInterpolated($"Resuming from {resumeFrom}");
        AnsiConsole.MarkupLineInterpolated($"Training: {TrainingControlOptions.Describe(options)}, batch {settings.BatchSize}, {settings.Epochs} epoch(s){TimeLimitText(settings)}, seed {settings.Seed}");
        if (settings.Weights is { } weights)
            AnsiConsole.MarkupLineInterpolated(
                $"Starting from [bold]{weights}[/]{(settings.ReplaceClassifier ? $", new classifier '{architecture.ClassifierName}'" : "")}{(settings.FreezeEpochs > 0 ? $", backbone frozen for {settings.FreezeEpochs} epoch(s)" : "")}");

        using (var model = Fit(ml, options, train))
        {
            var summary = model.TrainingSummary!;
            var metrics = Evaluate(ml, model, test, testImages);
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
                (consumption, savedMetrics) = SaveAndReload(ml, model, data, modelPath, settings, cancellation);
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
            ShowHowToConsume(consumption, model, data.Data);

            if (settings.MetricsJson is { } path)
            {
                var written = new RunMetrics(architecture.Name, EpochsTrained(settings, model), trainImages, testImages, metrics.MicroAccuracy, metrics.MacroAccuracy,
                    metrics.LogLoss, summary.TrainSeconds, summary.ImagesPerSecond, model.ParameterCount, summary.Seed, settings.Threads,
                    summary.FinalLoss, WeightsDigest.Sha256(model.Module), savedMetrics).WriteTo(path);
                AnsiConsole.MarkupLineInterpolated($"Metrics written to {written}");
            }

            if (plots is not null)
            {
                cancellation.ThrowIfCancellationRequested();
                // The scored view is lazy: the pictures score the test rows again, as the evaluation did.
                DrawPictures(plots, model, model.Transform(test), metrics, settings);
            }
        }
        return 0;
    }

    /// <summary>The ML.NET context of a run: its seed, and CUDA device 0 (no fallback) for <c>--device cuda</c>.</summary>
    internal static MLContext CreateContext(TrainSettings settings) => new(seed: settings.Seed)
    {
        GpuDeviceId = settings.Device == TrainDevice.Cuda ? 0 : null,
        FallbackToCpu = false,
    };

    /// <summary>
    /// Loads the data the settings name (MNIST, MNIST resized to <c>--input</c>, MNIST clips for <c>--frames</c>, or an
    /// image folder), says where it came from, and fits the image-input chain that is saved before the network.
    /// </summary>
    internal static PreparedData LoadData(MLContext ml, IDataOptions settings, CnnArchitecture architecture)
    {
        var data = TrainAndTestData.Load(ml, settings, architecture);
        foreach (var line in data.Description) AnsiConsole.WriteLine(line);
        // The image-input chain (resize, channels, pixel / 255) is fitted once and saved with the network; the network
        // trains and is tested on its output.
        var input = data.Input?.Fit(data.Train);
        return new PreparedData(data, input, input?.Transform(data.Train) ?? data.Train, input?.Transform(data.Test) ?? data.Test,
            data.Train.GetRowCount() ?? 0, data.Test.GetRowCount() ?? 0);
    }

    /// <summary>The trainer's options for the settings, validating on the test images, or on a held-out share of the training images with <c>--validation-fraction</c>.</summary>
    internal static CnnTrainerOptions TrainerOptions(TrainSettings settings, PreparedData data, CancellationToken cancellation,
        string? resumeFrom = null, string? initialWeights = null) => TrainingControlOptions.ApplyTo(settings, new CnnTrainerOptions
    {
        Architecture = CnnArchitectures.Get(settings.Architecture).Name,
        FeatureColumnName = data.Data.FeatureColumn,
        Epochs = settings.Epochs,
        BatchSize = settings.BatchSize,
        LearningRate = settings.LearningRate,
        ReportEveryBatches = settings.ReportEvery,
        ValidationSet = settings.ValidationFraction is null ? data.Test : null,
        ValidationSetFraction = settings.ValidationFraction,
        ValidateEveryBatches = settings.ValidateEvery,
        NumberOfThreads = settings.Threads,
        CancellationToken = cancellation,
        InitialWeights = initialWeights,
        ReplaceClassifier = settings.ReplaceClassifier,
        FreezeBackboneEpochs = settings.FreezeEpochs,
        CheckpointPath = settings.Checkpoint is null ? null : Path.GetFullPath(settings.Checkpoint),
        ResumeFrom = resumeFrom,
        TimeLimit = settings.MaxMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
        // MNIST as it is: the trainer's own choice, as before; resized images and clips: their shape.
        ImageShape = data.Input is not null || settings.ClipFrames is not null ? data.Data.Shape : null,
    }, data.Train, data.Data.Shape);

    /// <summary>
    /// The epochs the model has been trained for, resumed ones included: <c>--epochs</c>, or fewer when the time limit
    /// ended training (the last epoch-end report's number; a cut epoch counts).
    /// </summary>
    internal static int EpochsTrained(TrainSettings settings, CnnTransformer model) =>
        model.TrainingSummary is { TimeLimitReached: true } summary
            ? summary.Reports.LastOrDefault(r => r.Kind == TrainingReportKind.EpochEnd)?.Epoch ?? settings.Epochs
            : settings.Epochs;

    private static string TimeLimitText(TrainSettings settings) =>
        settings.MaxMinutes is { } minutes ? $" or {minutes.ToString(CultureInfo.InvariantCulture)} min, whichever ends first" : "";

    /// <summary>
    /// Trains with a live display in a terminal, or with the report lines alone when the output is redirected.
    /// <paramref name="batchLines"/>: also print the periodic report lines above the live bars (the guided mode leaves
    /// them to the bars and prints the end of each epoch).
    /// </summary>
    internal static CnnTransformer Fit(MLContext ml, CnnTrainerOptions options, IDataView train, bool batchLines = true)
    {
        var trainer = ml.MulticlassClassification.Trainers.Cnn(options);
        CnnTransformer model;
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            model = TrainingProgressView.Run(AnsiConsole.Console, options, () => trainer.Fit(train), batchLines);
        }
        else
        {
            // Redirected output (a log, CI): the report lines alone, no live bar.
            options.Progress = new SynchronousProgress<TrainingReport>(report => AnsiConsole.WriteLine(report.ToString()));
            model = trainer.Fit(train);
        }
        if (model.TrainingSummary is { TimeLimitReached: true } summary)
            AnsiConsole.MarkupLineInterpolated($"[yellow]Time limit reached[/]: training stopped after {summary.ImagesTrained:N0} images; the model is the one trained so far.");
        else if (EpochCapText(options, model.TrainingSummary) is { } cap)
            AnsiConsole.MarkupLineInterpolated($"[yellow]{cap}[/]");
        if (model.TrainingSummary is { StoppedEarly: true } stopped)
            AnsiConsole.MarkupLineInterpolated($"Early stopping: no improvement for {options.EarlyStopping!.Patience} epoch(s) after epoch {stopped.BestEpoch}; stopped after epoch {stopped.Epochs}{(stopped.RestoredBestWeights ? $", the weights of epoch {stopped.BestEpoch} kept" : "")}.");
        return model;
    }

    /// <summary>
    /// When a time budget was given but every epoch ran before it was spent: says that the epoch cap, not the time,
    /// ended training (null otherwise, or when early stopping ended it).
    /// </summary>
    internal static string? EpochCapText(CnnTrainerOptions options, TrainingSummary? summary) =>
        options.TimeLimit is { } limit && summary is { TimeLimitReached: false, StoppedEarly: false }
            ? string.Create(CultureInfo.InvariantCulture,
                $"Epoch cap reached: all {options.Epochs} epoch(s) ran in {summary.TrainSeconds:F0} s, within the {limit.TotalMinutes:G4}-minute budget; raise --epochs to use all of it.")
            : null;

    /// <summary>Scores the test images, shows ML.NET's metrics, the per-class precision and recall and the confusion matrix.</summary>
    internal static MulticlassClassificationMetrics Evaluate(MLContext ml, CnnTransformer model, IDataView test, long testImages)
    {
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        var names = model.Definition.ClassNames ?? MnistCatalog.DigitNames;
        AnsiConsole.Write(MetricsView.Summary(metrics, testImages));
        AnsiConsole.Write(MetricsView.PerClass(metrics.ConfusionMatrix, names));
        AnsiConsole.Write(MetricsView.ConfusionMatrix(metrics.ConfusionMatrix, names));
        if (LearnedNothingWarning.For(metrics.MicroAccuracy, metrics.ConfusionMatrix.Counts, names,
                $"cnnml lr-find --arch {model.Definition.Architecture} (and this run's data options)") is { } warning)
            AnsiConsole.MarkupLineInterpolated($"[yellow]{warning}[/]");
        return metrics;
    }

    /// <summary>
    /// Saves the trained pipeline, with <c>MapKeyToValue</c> appended so that <c>PredictedLabel</c> is the class name,
    /// through the library's atomic save; loads it back with plain ML.NET in a fresh context and evaluates it on the
    /// same test images (the figures <c>cnnml evaluate</c> reproduces in a new process); writes the consumption code.
    /// </summary>
    internal static (ConsumptionCodeFile Code, ModelMetrics Metrics) SaveAndReload(MLContext ml, CnnTransformer model, PreparedData prepared,
        string modelPath, TrainSettings settings, CancellationToken cancellation)
    {
        var (data, input, testImages) = (prepared.Data, prepared.Input, prepared.TestImages);
        var trainSchema = data.Train.Schema;
        var test = data.Test;
        var scored = model.Transform(prepared.ForNetwork(test));
        var toClassName = ml.Transforms.Conversion.MapKeyToValue(SavedModel.PredictedLabelColumn).Fit(scored);
        // Not disposed: the chain would dispose the CnnTransformer, which the caller owns. The image-input chain goes
        // first, so the zip reads what the rows hold (MNIST's Image vector, or an image file's path).
        ITransformer[] steps = input is null ? [model, toClassName] : [input, model, toClassName];
        var pipeline = new TransformerChain<ITransformer>(steps);
        var written = ml.Model.SaveAtomically(pipeline, trainSchema, modelPath);
        AnsiConsole.MarkupLineInterpolated(
            $"Saved [bold]{written}[/] ({new FileInfo(written).Length / 1024.0:N0} KB): ML.NET's own transformers, loads with mlContext.Model.Load, no CnnMl needed.");
        // Ctrl+C during the save: the save is atomic, so it completes (or leaves the old file); then nothing more is written.
        cancellation.ThrowIfCancellationRequested();

        var reloadContext = new MLContext(seed: settings.Seed);
        using var saved = SavedModel.Load(reloadContext, written);
        var metrics = ModelMetrics.From(written, testImages, saved.Evaluate(reloadContext, test));
        AnsiConsole.MarkupLineInterpolated(
            $"Reloaded with ML.NET: test accuracy {metrics.MicroAccuracy:P2} (macro {metrics.MacroAccuracy:P2}, log-loss {metrics.LogLoss:F4}); cnnml evaluate --model {settings.Out} reports the same.");

        var code = new ConsumptionCodeFile
        {
            ModelFileName = Path.GetFileName(written),
            Inputs = ConsumptionCodeFile.InputsOf(trainSchema, model.Definition.LabelColumnName, data.FeatureDescription),
            ClassNames = model.Definition.ClassNames ?? Enumerable.Range(0, model.Definition.ClassCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(),
            Provenance = $"{model.Definition.Architecture}, {model.Definition.ClassCount} classes, {EpochsTrained(settings, model)} epoch(s) on {data.Source}",
        };
        var codePath = OutputFiles.WriteAtomically(settings.ConsumptionCodePath!, code.Generate());
        AnsiConsole.MarkupLineInterpolated($"Consumption code: {codePath}");
        return (code, metrics);
    }

    /// <summary>
    /// <c>--plots</c>: the run's training curves, confusion matrix, misclassified test images (from the features the
    /// network was tested on: MNIST's pixels, or an image folder's after the input chain) and first kernels.
    /// </summary>
    private static void DrawPictures(PlotFolder plots, CnnTransformer model, IDataView scored, MulticlassClassificationMetrics metrics, TrainSettings settings)
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
        if (tested is null) AnsiConsole.MarkupLine("[grey]The inputs are volumes, not 2-D images: no picture of the misclassified ones.[/]");
        var title = $"{definition.Architecture}, {EpochsTrained(settings, model)} epoch(s)";
        ClassificationPictures.Write(plots, title, model.TrainingSummary, metrics, names, tested, ConvolutionWeights.FirstOf(model.Module));
    }

    private static void TryAPrediction(MLContext ml, CnnTransformer model, PreparedData data, TrainSettings settings)
    {
        if (data.Data.SampleImagePath is { } path)
        {
            ShowImagePrediction(ml, model, data, path, $"Try a prediction: {path} (label {Path.GetFileName(Path.GetDirectoryName(path))})");
            return;
        }
        var digit = MnistDataset.Load(settings.DataDirectory, MnistSplit.Test, maxRows: 1);
        var pixels = digit.Pixels.Select(p => p / 255f).ToArray();
        ShowDigitPrediction(ml, model, data, pixels, $"Try a prediction: first test image (label {digit.Labels[0]})");
    }

    /// <summary>
    /// Draws a 28×28 grayscale digit (values in [0, 1]) and the model's label and top 3 classes for it; the digit goes
    /// through the run's image-input chain (MNIST resized to <c>--input</c>) or, for a 3D model, becomes its
    /// shifted-frame clip, as in training. Returns the label.
    /// </summary>
    internal static string ShowDigitPrediction(MLContext ml, CnnTransformer model, PreparedData data, float[] pixels, string header)
    {
        var shape = model.Definition.ImageShape;
        var input = pixels;
        if (data.Input is null && shape.SpatialRank == 3)
        {
            input = new float[shape.ElementCount];
            ShiftedFrames.Expand(pixels, KnownInputs.Mnist, (int)shape.Spatial[0], input);
        }
        var inputSchema = SchemaDefinition.Create(typeof(DigitInput));
        inputSchema[nameof(DigitInput.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, input.Length);
        var row = ml.Data.LoadFromEnumerable([new DigitInput { Image = input }], inputSchema);
        AnsiConsole.Write(new Panel(new Text(DigitView.Render(pixels, 28, 28))).Header(Markup.Escape(header)));
        return ShowScores(model, data.ForNetwork(row));
    }

    /// <summary>The model's label and top 3 classes for an image file (a model trained on an image folder, through its input chain); returns the label.</summary>
    internal static string ShowImagePrediction(MLContext ml, CnnTransformer model, PreparedData data, string path, string header)
    {
        var row = ml.Data.LoadFromEnumerable([new LabeledImage { ImagePath = Path.GetFullPath(path) }]);
        AnsiConsole.WriteLine(header);
        return ShowScores(model, data.ForNetwork(row));
    }

    private static string ShowScores(CnnTransformer model, IDataView row)
    {
        var names = model.Definition.ClassNames ?? MnistCatalog.DigitNames;
        var scored = model.Transform(row);
        var score = scored.GetColumn<float[]>(model.Definition.ScoreColumnName).Single();
        var predicted = scored.GetColumn<uint>(model.Definition.PredictedLabelColumnName).Single();
        var top = score.Select((p, i) => (p, i)).OrderByDescending(x => x.p).Take(3).Select(x => $"{names[x.i]}: {x.p:P1}");
        var label = names[(int)predicted - 1];
        AnsiConsole.MarkupLineInterpolated($"Predicted [bold]{label}[/] — {string.Join(", ", top)}");
        return label;
    }

    internal static void ShowHowToConsume(ConsumptionCodeFile? saved, CnnTransformer model, TrainAndTestData data)
    {
        if (saved is not null)
        {
            // Exactly the file written beside the zip (a test compiles and runs it against the zip).
            AnsiConsole.Write(new Panel(new Text(saved.Generate())).Header($"Consume the model (C#, ML.NET only): {Path.GetFileNameWithoutExtension(saved.ModelFileName)}.consume.cs"));
            return;
        }
        // What the saved zip would read: an image's path, or MNIST's 784-value Image vector.
        var imageInput = data.SampleImagePath is not null;
        var feature = imageInput ? ImageInputCatalog.ImagePathColumnName : "Image";
        // Without an input chain the rows hold the network's input itself (MNIST's 784 values, or a clip's).
        var size = data.Input is null ? data.Shape.ElementCount : KnownInputs.Mnist.ElementCount;
        var member = imageInput
            ? $"public string {feature} {{ get; set; }}"
            : $"[ColumnName(\"{feature}\"), VectorType({size})] public float[] {feature} {{ get; set; }}";
        var value = imageInput ? "\"photo.png\"" : "pixels";
        var code = $$"""
            // cnnml train --out model.zip saves the model and writes this code, complete, as model.consume.cs.
            var mlContext = new MLContext();
            ITransformer model = mlContext.Model.Load("model.zip", out DataViewSchema inputSchema);
            var engine = mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model);
            ModelOutput output = engine.Predict(new ModelInput { {{feature}} = {{value}} });   // output.PredictedLabel: the class name

            public class ModelInput { {{member}} }
            public class ModelOutput { public string PredictedLabel { get; set; } public float[] Score { get; set; } }
            """;
        AnsiConsole.Write(new Panel(new Text(code)).Header("Consume the model (C#, ML.NET only)"));
    }

    private sealed class DigitInput
    {
        public float[] Image { get; set; } = [];
    }
}
