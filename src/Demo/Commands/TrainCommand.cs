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
        AnsiConsole.Write(new Rule($"[bold]CnnMl[/] · image classification · [blue]{architecture.Name}[/]").LeftJustified());
        AnsiConsole.MarkupLineInterpolated($"[grey]{architecture.Description}[/]");

        var ml = new MLContext(seed: settings.Seed);
        var train = ml.Data.LoadMnist(settings.DataDirectory, MnistSplit.Train, settings.TrainLimit);
        var test = ml.Data.LoadMnist(settings.DataDirectory, MnistSplit.Test, settings.TestLimit);
        var trainImages = train.GetRowCount() ?? 0;
        var testImages = test.GetRowCount() ?? 0;
        AnsiConsole.MarkupLineInterpolated($"Data: [bold]{trainImages:N0}[/] training and [bold]{testImages:N0}[/] test images from {Path.GetFullPath(settings.DataDirectory)}");

        var options = new CnnTrainerOptions
        {
            Architecture = architecture.Name,
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
        };
        if (resumeFrom is not null) AnsiConsole.MarkupLineInterpolated($"Resuming from {resumeFrom}");
        AnsiConsole.MarkupLineInterpolated($"Training: Adam lr {settings.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {settings.BatchSize}, {settings.Epochs} epoch(s), seed {settings.Seed}");
        if (settings.Weights is { } weights)
            AnsiConsole.MarkupLineInterpolated(
                $"Starting from [bold]{weights}[/]{(settings.ReplaceClassifier ? $", new classifier '{architecture.ClassifierName}'" : "")}{(settings.FreezeEpochs > 0 ? $", backbone frozen for {settings.FreezeEpochs} epoch(s)" : "")}");

        CnnTransformer model;
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            model = null!;
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(progress =>
                {
                    var task = progress.AddTask($"training {architecture.Name}", maxValue: 1.0);
                    options.Progress = new SynchronousProgress<TrainingReport>(report =>
                    {
                        task.Value = report.FractionDone;
                        AnsiConsole.WriteLine(report.ToString());
                    });
                    model = ml.MulticlassClassification.Trainers.Cnn(options).Fit(train);
                    task.Value = 1.0;
                });
        }
        else
        {
            // Redirected output (a log, CI): the report lines alone, no live bar.
            options.Progress = new SynchronousProgress<TrainingReport>(report => Console.WriteLine(report.ToString()));
            model = ml.MulticlassClassification.Trainers.Cnn(options).Fit(train);
        }

        using (model)
        {
            var summary = model.TrainingSummary!;
            var scored = model.Transform(test);
            var metrics = ml.MulticlassClassification.Evaluate(scored);
            AnsiConsole.Write(MetricsView.Summary(metrics, testImages));
            AnsiConsole.Write(MetricsView.ConfusionMatrix(metrics.ConfusionMatrix, model.Definition.ClassNames ?? MnistCatalog.DigitNames));
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
                var written = new RunMetrics(architecture.Name, settings.Epochs, trainImages, testImages, metrics.MicroAccuracy, metrics.MacroAccuracy,
                    metrics.LogLoss, summary.TrainSeconds, summary.ImagesPerSecond, model.ParameterCount, summary.Seed, settings.Threads,
                    summary.FinalLoss, WeightsDigest.Sha256(model.Module), savedMetrics).WriteTo(path);
                AnsiConsole.MarkupLineInterpolated($"Metrics written to {written}");
            }

            if (plots is not null)
            {
                cancellation.ThrowIfCancellationRequested();
                DrawPictures(plots, model, scored, metrics, settings);
            }
        }
        return 0;
    }

    /// <summary>
    /// Saves the trained pipeline, with <c>MapKeyToValue</c> appended so that <c>PredictedLabel</c> is the class name,
    /// through the library's atomic save; loads it back with plain ML.NET in a fresh context and evaluates it on the
    /// same test images (the figures <c>cnnml evaluate</c> reproduces in a new process); writes the consumption code.
    /// </summary>
    private static (ConsumptionCodeFile Code, ModelMetrics Metrics) SaveAndReload(MLContext ml, CnnTransformer model, DataViewSchema trainSchema,
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
            Provenance = $"{model.Definition.Architecture}, {model.Definition.ClassCount} classes, {settings.Epochs} epoch(s) on {trainImages:N0} MNIST training images",
        };
        var codePath = OutputFiles.WriteAtomically(settings.ConsumptionCodePath!, code.Generate());
        AnsiConsole.MarkupLineInterpolated($"Consumption code: {codePath}");
        return (code, metrics);
    }

    /// <summary><c>--plots</c>: the run's training curves, confusion matrix, misclassified test images and first kernels.</summary>
    private static void DrawPictures(PlotFolder plots, CnnTransformer model, IDataView scored, MulticlassClassificationMetrics metrics, TrainSettings settings)
    {
        var names = model.Definition.ClassNames ?? MnistCatalog.DigitNames;
        // PredictedLabel is the 1-based key of the class (0: missing, for an image the network could not score).
        var predicted = scored.GetColumn<uint>(model.Definition.PredictedLabelColumnName)
            .Select(key => key >= 1 && key <= names.Count ? names[(int)key - 1] : "?").ToList();
        var test = MnistDataset.Load(settings.DataDirectory, MnistSplit.Test, settings.TestLimit);
        var title = $"{model.Definition.Architecture}, {settings.Epochs} epoch(s)";
        ClassificationPictures.Write(plots, title, model.TrainingSummary, metrics, names, test, predicted, ConvolutionWeights.FirstOf(model.Module));
    }

    private static string FeatureDescription(CnnModelDefinition definition) =>
        $"The image, {definition.ImageShape} (channels first, row by row), {definition.ImageShape.ElementCount} floats: pixel / 255, as MNIST's Image column.";

    private static void TryAPrediction(MLContext ml, CnnTransformer model, TrainSettings settings)
    {
        var sample = MnistDataset.Load(settings.DataDirectory, MnistSplit.Test, maxRows: 1);
        var pixels = sample.Pixels.Select(p => p / 255f).ToArray();
        var engine = ml.Model.CreatePredictionEngine<DigitInput, DigitPrediction>(model);
        var prediction = engine.Predict(new DigitInput { Image = pixels });
        var names = model.Definition.ClassNames ?? MnistCatalog.DigitNames;
        var top = prediction.Score.Select((p, i) => (p, i)).OrderByDescending(x => x.p).Take(3)
            .Select(x => $"{names[x.i]}: {x.p:P1}");
        AnsiConsole.Write(new Panel(new Text(DigitView.Render(pixels, sample.Rows, sample.Columns)))
            .Header($"Try a prediction: first test image (label {sample.Labels[0]})"));
        AnsiConsole.MarkupLineInterpolated($"Predicted [bold]{names[(int)prediction.PredictedLabel - 1]}[/] — {string.Join(", ", top)}");
    }

    private static void ShowHowToConsume(ConsumptionCodeFile? saved, CnnTransformer model)
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
        [VectorType(784)]
        public float[] Image { get; set; } = [];
    }

    private sealed class DigitPrediction
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }
}
