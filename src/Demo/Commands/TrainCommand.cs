using System.Globalization;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Models;
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

        var architecture = CnnArchitectures.Get(settings.Architecture);
        var scenario = settings.ClipFrames is null ? "image classification" : "volumes";
        AnsiConsole.Write(new Rule($"[bold]CnnMl[/] · {scenario} · [blue]{architecture.Name}[/]").LeftJustified());
        AnsiConsole.MarkupLineInterpolated($"[grey]{architecture.Description}[/]");

        var ml = CreateContext(settings);
        var (train, test, trainImages, testImages) = LoadData(ml, settings);
        var options = TrainerOptions(settings, test, cancellation, resumeFrom, initialWeights);
        if (resumeFrom is not null) AnsiConsole.MarkupLineInterpolated($"Resuming from {resumeFrom}");
        AnsiConsole.MarkupLineInterpolated($"Training: Adam lr {settings.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {settings.BatchSize}, {settings.Epochs} epoch(s){TimeLimitText(settings)}, seed {settings.Seed}");
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
                (consumption, savedMetrics) = SaveAndReload(ml, model, train.Schema, trainImages, test, testImages, modelPath, settings);
            }

            if (settings.WeightsOut is { } weightsOut)
            {
                model.SaveWeights(weightsOut);
                AnsiConsole.MarkupLineInterpolated($"Weights written to {Path.GetFullPath(weightsOut)} (PyTorch: model.load_state_dict(torch.load(path)); see scripts/pytorch)");
            }

            TryAPrediction(ml, model, settings);
            ShowHowToConsume(consumption, model);

            if (settings.MetricsJson is { } path)
            {
                var written = new RunMetrics(architecture.Name, EpochsTrained(settings, model), trainImages, testImages, metrics.MicroAccuracy, metrics.MacroAccuracy,
                    metrics.LogLoss, summary.TrainSeconds, summary.ImagesPerSecond, model.ParameterCount, summary.Seed, settings.Threads,
                    summary.FinalLoss, WeightsDigest.Sha256(model.Module), savedMetrics).WriteTo(path);
                AnsiConsole.MarkupLineInterpolated($"Metrics written to {written}");
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

    /// <summary>Loads the training and test images the settings name and says how many there are.</summary>
    internal static (IDataView Train, IDataView Test, long TrainImages, long TestImages) LoadData(MLContext ml, TrainSettings settings)
    {
        var train = ml.Data.LoadMnist(settings.DataDirectory, MnistSplit.Train, settings.TrainLimit);
        var test = ml.Data.LoadMnist(settings.DataDirectory, MnistSplit.Test, settings.TestLimit);
        var trainImages = train.GetRowCount() ?? 0;
        var testImages = test.GetRowCount() ?? 0;
        AnsiConsole.MarkupLineInterpolated($"Data: [bold]{trainImages:N0}[/] training and [bold]{testImages:N0}[/] test images from {Path.GetFullPath(settings.DataDirectory)}");
        if (settings.ClipFrames is { } frames)
        {
            train = ShiftedFrames.Transform(ml, train, KnownInputs.Mnist, frames);
            test = ShiftedFrames.Transform(ml, test, KnownInputs.Mnist, frames);
            AnsiConsole.MarkupLineInterpolated($"Volumes: each digit as a clip of {frames} frames shifted one pixel per frame, {ShiftedFrames.VolumeShape(KnownInputs.Mnist, frames)}");
        }
        return (train, test, trainImages, testImages);
    }

    /// <summary>The trainer's options for the settings, validating on the test images.</summary>
    internal static CnnTrainerOptions TrainerOptions(TrainSettings settings, IDataView test, CancellationToken cancellation,
        string? resumeFrom = null, string? initialWeights = null) => new()
    {
        Architecture = CnnArchitectures.Get(settings.Architecture).Name,
        Epochs = settings.Epochs,
        BatchSize = settings.BatchSize,
        LearningRate = settings.LearningRate,
        ReportEveryBatches = settings.ReportEvery,
        ValidationSet = test,
        ValidateEveryBatches = settings.ValidateEvery,
        NumberOfThreads = settings.Threads,
        CancellationToken = cancellation,
        InitialWeights = initialWeights,
        ReplaceClassifier = settings.ReplaceClassifier,
        FreezeBackboneEpochs = settings.FreezeEpochs,
        CheckpointPath = settings.Checkpoint is null ? null : Path.GetFullPath(settings.Checkpoint),
        ResumeFrom = resumeFrom,
        TimeLimit = settings.MaxMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
        ImageShape = settings.ClipFrames is { } frames ? ShiftedFrames.VolumeShape(KnownInputs.Mnist, frames) : null,
    };

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
        return model;
    }

    /// <summary>Scores the test images, shows ML.NET's metrics, the per-class precision and recall and the confusion matrix.</summary>
    internal static MulticlassClassificationMetrics Evaluate(MLContext ml, CnnTransformer model, IDataView test, long testImages)
    {
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        var names = model.Definition.ClassNames ?? MnistCatalog.DigitNames;
        AnsiConsole.Write(MetricsView.Summary(metrics, testImages));
        AnsiConsole.Write(MetricsView.PerClass(metrics.ConfusionMatrix, names));
        AnsiConsole.Write(MetricsView.ConfusionMatrix(metrics.ConfusionMatrix, names));
        return metrics;
    }

    /// <summary>
    /// Saves the trained pipeline, with <c>MapKeyToValue</c> appended so that <c>PredictedLabel</c> is the class name,
    /// through the library's atomic save; loads it back with plain ML.NET in a fresh context and evaluates it on the
    /// same test images (the figures <c>cnnml evaluate</c> reproduces in a new process); writes the consumption code.
    /// </summary>
    internal static (ConsumptionCodeFile Code, ModelMetrics Metrics) SaveAndReload(MLContext ml, CnnTransformer model, DataViewSchema trainSchema,
        long trainImages, IDataView test, long testImages, string modelPath, TrainSettings settings)
    {
        var toClassName = ml.Transforms.Conversion.MapKeyToValue(SavedModel.PredictedLabelColumn).Fit(model.Transform(test));
        // Not disposed: the chain would dispose the CnnTransformer, which the caller owns.
        var pipeline = new TransformerChain<ITransformer>(model, toClassName);
        var written = ml.Model.SaveAtomically(pipeline, trainSchema, modelPath);
        AnsiConsole.MarkupLineInterpolated(
            $"Saved [bold]{written}[/] ({new FileInfo(written).Length / 1024.0:N0} KB): ML.NET's own transformers, loads with mlContext.Model.Load, no CnnMl needed.");

        var reloadContext = new MLContext(seed: settings.Seed);
        using var saved = SavedModel.Load(reloadContext, written);
        var metrics = ModelMetrics.From(written, testImages, saved.Evaluate(reloadContext, test));
        AnsiConsole.MarkupLineInterpolated(
            $"Reloaded with ML.NET: test accuracy {metrics.MicroAccuracy:P2} (macro {metrics.MacroAccuracy:P2}, log-loss {metrics.LogLoss:F4}); cnnml evaluate --model {settings.Out} reports the same.");

        var code = new ConsumptionCodeFile
        {
            ModelFileName = Path.GetFileName(written),
            Inputs = ConsumptionCodeFile.InputsOf(trainSchema, model.Definition.LabelColumnName, FeatureDescription(model.Definition)),
            ClassNames = model.Definition.ClassNames ?? Enumerable.Range(0, model.Definition.ClassCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(),
            Provenance = $"{model.Definition.Architecture}, {model.Definition.ClassCount} classes, {EpochsTrained(settings, model)} epoch(s) on {trainImages:N0} MNIST training images",
        };
        var codePath = OutputFiles.WriteAtomically(settings.ConsumptionCodePath!, code.Generate());
        AnsiConsole.MarkupLineInterpolated($"Consumption code: {codePath}");
        return (code, metrics);
    }

    private static string FeatureDescription(CnnModelDefinition definition) => definition.ImageShape.SpatialRank == 3
        ? $"The clip, {definition.ImageShape} (channels, frames, rows, columns), {definition.ImageShape.ElementCount} floats: pixel / 255, frame d the digit shifted d pixels right."
        : $"The image, {definition.ImageShape} (channels first, row by row), {definition.ImageShape.ElementCount} floats: pixel / 255, as MNIST's Image column.";

    private static void TryAPrediction(MLContext ml, CnnTransformer model, TrainSettings settings)
    {
        var sample = MnistDataset.Load(settings.DataDirectory, MnistSplit.Test, maxRows: 1);
        var pixels = sample.Pixels.Select(p => p / 255f).ToArray();
        ShowPrediction(ml, model, pixels, $"Try a prediction: first test image (label {sample.Labels[0]})");
    }

    /// <summary>
    /// Draws a 28×28 grayscale digit (values in [0, 1]) and the model's label and top 3 classes for it (a 3D model
    /// gets the digit's shifted-frame clip, as in training); returns the label.
    /// </summary>
    internal static string ShowPrediction(MLContext ml, CnnTransformer model, float[] pixels, string header)
    {
        var shape = model.Definition.ImageShape;
        var input = pixels;
        if (shape.SpatialRank == 3)
        {
            input = new float[shape.ElementCount];
            ShiftedFrames.Expand(pixels, KnownInputs.Mnist, (int)shape.Spatial[0], input);
        }
        var inputSchema = SchemaDefinition.Create(typeof(DigitInput));
        inputSchema[nameof(DigitInput.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, input.Length);
        var engine = ml.Model.CreatePredictionEngine<DigitInput, DigitPrediction>(model, inputSchemaDefinition: inputSchema);
        var prediction = engine.Predict(new DigitInput { Image = input });
        const int rows = 28, columns = 28;
        var names = model.Definition.ClassNames ?? MnistCatalog.DigitNames;
        var top = prediction.Score.Select((p, i) => (p, i)).OrderByDescending(x => x.p).Take(3)
            .Select(x => $"{names[x.i]}: {x.p:P1}");
        AnsiConsole.Write(new Panel(new Text(DigitView.Render(pixels, rows, columns))).Header(Markup.Escape(header)));
        var label = names[(int)prediction.PredictedLabel - 1];
        AnsiConsole.MarkupLineInterpolated($"Predicted [bold]{label}[/] — {string.Join(", ", top)}");
        return label;
    }

    internal static void ShowHowToConsume(ConsumptionCodeFile? saved, CnnTransformer model)
    {
        if (saved is not null)
        {
            // Exactly the file written beside the zip (a test compiles and runs it against the zip).
            AnsiConsole.Write(new Panel(new Text(saved.Generate())).Header($"Consume the model (C#, ML.NET only): {Path.GetFileNameWithoutExtension(saved.ModelFileName)}.consume.cs"));
            return;
        }
        var feature = model.Definition.FeatureColumnName;
        var size = model.Definition.ImageShape.ElementCount;
        var code = $$"""
            // cnnml train --out model.zip saves the model and writes this code, complete, as model.consume.cs.
            var mlContext = new MLContext();
            ITransformer model = mlContext.Model.Load("model.zip", out DataViewSchema inputSchema);
            var engine = mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model);
            ModelOutput output = engine.Predict(new ModelInput { {{feature}} = pixels });   // output.PredictedLabel: "7"

            public class ModelInput { [ColumnName("{{feature}}"), VectorType({{size}})] public float[] {{feature}} { get; set; } }
            public class ModelOutput { public string PredictedLabel { get; set; } public float[] Score { get; set; } }
            """;
        AnsiConsole.Write(new Panel(new Text(code)).Header("Consume the model (C#, ML.NET only)"));
    }

    private sealed class DigitInput
    {
        public float[] Image { get; set; } = [];
    }

    private sealed class DigitPrediction
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }
}
