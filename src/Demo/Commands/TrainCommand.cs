using System.Globalization;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Rendering;
using CnnMl.Scoring;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands;

/// <summary>
/// <c>cnnml train</c>: the Model Builder flow for image classification on MNIST — load data, train with
/// live progress, evaluate with ML.NET, try a prediction, and show how to consume the model.
/// </summary>
public sealed class TrainCommand : Command<TrainSettings>
{
    public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellation)
    {
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
            InitialWeights = settings.Weights,
            ReplaceClassifier = settings.ReplaceClassifier,
            FreezeBackboneEpochs = settings.FreezeEpochs,
        };
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
                    options.Progress = new ConsoleProgress(report =>
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
            options.Progress = new ConsoleProgress(report => Console.WriteLine(report.ToString()));
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

            if (settings.WeightsOut is { } weightsOut)
            {
                model.SaveWeights(weightsOut);
                AnsiConsole.MarkupLineInterpolated($"Weights written to {Path.GetFullPath(weightsOut)} (PyTorch: model.load_state_dict(torch.load(path)); see scripts/pytorch)");
            }

            TryAPrediction(ml, model, settings);
            ShowHowToConsume(architecture.Name);

            if (settings.MetricsJson is { } path)
            {
                var written = new RunMetrics(architecture.Name, settings.Epochs, trainImages, testImages, metrics.MicroAccuracy, metrics.MacroAccuracy,
                    metrics.LogLoss, summary.TrainSeconds, summary.ImagesPerSecond, model.ParameterCount).WriteTo(path);
                AnsiConsole.MarkupLineInterpolated($"Metrics written to {written}");
            }
        }
        return 0;
    }

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

    private static void ShowHowToConsume(string architecture)
    {
        var code = $$"""
            var ml = new MLContext(seed: 1);
            var train = ml.Data.LoadMnist("data/mnist", MnistSplit.Train);
            var pipeline = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Architecture = "{{architecture}}", Epochs = 3 })
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
            var model = pipeline.Fit(train);
            var engine = ml.Model.CreatePredictionEngine<DigitInput, DigitPrediction>(model);
            // DigitInput: [VectorType(784)] float[] Image;  DigitPrediction: float[] Score; string PredictedLabel
            """;
        AnsiConsole.Write(new Panel(new Text(code)).Header("Consume the model (C#)"));
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

    /// <summary>Reports synchronously on the training thread (Progress&lt;T&gt; would post to a thread pool).</summary>
    private sealed class ConsoleProgress(Action<TrainingReport> report) : IProgress<TrainingReport>
    {
        public void Report(TrainingReport value) => report(value);
    }
}
