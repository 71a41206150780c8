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
        var data = TrainAndTestData.Load(ml, settings, architecture);
        foreach (var line in data.Description) AnsiConsole.WriteLine(line);
        // The image-input chain (resize, channels, pixel / 255) is fitted once and saved with the network; the network
        // trains and is tested on its output.
        var input = data.Input?.Fit(data.Train);
        var train = input?.Transform(data.Train) ?? data.Train;
        var test = input?.Transform(data.Test) ?? data.Test;
        var trainImages = data.Train.GetRowCount() ?? 0;
        var testImages = data.Test.GetRowCount() ?? 0;

        var options = new CnnTrainerOptions
        {
            Architecture = architecture.Name,
            FeatureColumnName = data.FeatureColumn,
            ImageShape = input is null ? null : data.Shape, // MNIST as it is: the trainer's own choice, as before
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
                (consumption, savedMetrics) = SaveAndReload(ml, input, model, data, trainImages, testImages, modelPath, settings);
            }

            if (settings.WeightsOut is { } weightsOut)
            {
                model.SaveWeights(weightsOut);
                AnsiConsole.MarkupLineInterpolated($"Weights written to {Path.GetFullPath(weightsOut)} (PyTorch: model.load_state_dict(torch.load(path)); see scripts/pytorch)");
            }

            TryAPrediction(ml, input, model, data, settings);
            ShowHowToConsume(consumption, model, data);

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
    private static (ConsumptionCodeFile Code, ModelMetrics Metrics) SaveAndReload(MLContext ml, ITransformer? input, CnnTransformer model, TrainAndTestData data,
        long trainImages, long testImages, string modelPath, TrainSettings settings)
    {
        var trainSchema = data.Train.Schema;
        var test = data.Test;
        var scored = model.Transform(input?.Transform(test) ?? test);
        var toClassName = ml.Transforms.Conversion.MapKeyToValue(SavedModel.PredictedLabelColumn).Fit(scored);
        // Not disposed: the chain would dispose the CnnTransformer, which the caller owns. The image-input chain goes
        // first, so the zip reads what the rows hold (MNIST's Image vector, or an image file's path).
        ITransformer[] steps = input is null ? [model, toClassName] : [input, model, toClassName];
        var pipeline = new TransformerChain<ITransformer>(steps);
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
            Inputs = ConsumptionCodeFile.InputsOf(trainSchema, model.Definition.LabelColumnName, data.FeatureDescription),
            ClassNames = model.Definition.ClassNames ?? Enumerable.Range(0, model.Definition.ClassCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(),
            Provenance = $"{model.Definition.Architecture}, {model.Definition.ClassCount} classes, {settings.Epochs} epoch(s) on {data.Source}",
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
        var title = $"{definition.Architecture}, {settings.Epochs} epoch(s)";
        ClassificationPictures.Write(plots, title, model.TrainingSummary, metrics, names, tested, ConvolutionWeights.FirstOf(model.Module));
    }

    private static void TryAPrediction(MLContext ml, ITransformer? input, CnnTransformer model, TrainAndTestData data, TrainSettings settings)
    {
        var names = model.Definition.ClassNames ?? MnistCatalog.DigitNames;
        IDataView row;
        string header;
        MnistDataset? digit = null;
        if (data.SampleImagePath is { } path)
        {
            row = ml.Data.LoadFromEnumerable([new LabeledImage { ImagePath = path }]);
            header = $"Try a prediction: {path} (label {Path.GetFileName(Path.GetDirectoryName(path))})";
        }
        else
        {
            digit = MnistDataset.Load(settings.DataDirectory, MnistSplit.Test, maxRows: 1);
            row = digit.ToDataView();
            header = $"Try a prediction: first test image (label {digit.Labels[0]})";
        }
        var scored = model.Transform(input?.Transform(row) ?? row);
        var score = scored.GetColumn<float[]>(model.Definition.ScoreColumnName).Single();
        var predicted = scored.GetColumn<uint>(model.Definition.PredictedLabelColumnName).Single();
        var top = score.Select((p, i) => (p, i)).OrderByDescending(x => x.p).Take(3).Select(x => $"{names[x.i]}: {x.p:P1}");
        if (digit is not null)
            AnsiConsole.Write(new Panel(new Text(DigitView.Render(digit.Pixels.Select(p => p / 255f).ToArray(), digit.Rows, digit.Columns))).Header(header));
        else
            AnsiConsole.WriteLine(header);
        AnsiConsole.MarkupLineInterpolated($"Predicted [bold]{names[(int)predicted - 1]}[/] — {string.Join(", ", top)}");
    }

    private static void ShowHowToConsume(ConsumptionCodeFile? saved, CnnTransformer model, TrainAndTestData data)
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
        var size = KnownInputs.Mnist.ElementCount;
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
}
