using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Benchmarks;
using CnnMl.Runtime;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace CnnMl.Demo.Commands;

/// <summary>Options of <c>cnnml bench</c>.</summary>
public sealed class BenchSettings : CnnmlSettings
{
    [CommandOption("--arch <NAME>")]
    [Description("Architecture from the registry.")]
    [DefaultValue(CnnArchitectures.MnistCnn)]
    public string Architecture { get; init; } = CnnArchitectures.MnistCnn;

    [CommandOption("--images <N>")]
    [Description("Training images per measurement (the first N of MNIST's training set).")]
    [DefaultValue(19_200)]
    public int Images { get; init; } = 19_200;

    [CommandOption("--batch-size <N>")]
    [Description("Images per training step and per scoring batch.")]
    [DefaultValue(64)]
    public int BatchSize { get; init; } = 64;

    [CommandOption("--threads <N>")]
    [Description("libtorch threads for both measurements.")]
    [DefaultValue(2)]
    public int Threads { get; init; } = 2;

    [CommandOption("--data <DIR>")]
    [Description("Folder with the MNIST idx files. Default: $CNNML_DATA, else data/mnist.")]
    public string? Data { get; init; }

    [CommandOption("--onednn <BOOL>")]
    [Description("Use libtorch's oneDNN kernels (true/false). Default: CnnMl's default (off: see OneDnnConvolutions).")]
    public bool? OneDnn { get; init; }

    [CommandOption("--json <FILE>")]
    [Description("Also write the figures as JSON.")]
    public string? Json { get; init; }

    public string DataDirectory => OutputFiles.MnistDirectory(Data);

    public override ValidationResult Validate()
    {
        if (Images < BatchSize) return ValidationResult.Error($"--images must be at least the batch size (got {Images}).");
        if (BatchSize < 1) return ValidationResult.Error($"--batch-size must be at least 1 (got {BatchSize}).");
        if (Threads < 1) return ValidationResult.Error($"--threads must be at least 1 (got {Threads}).");
        return CnnArchitectures.TryGet(Architecture, out _) ? ValidationResult.Success() : ValidationResult.Error(TrainSettings.UnknownArchitecture(Architecture));
    }
}

/// <summary>
/// <c>cnnml bench</c>: training throughput of the estimator against a raw TorchSharp loop on the same
/// images, and scoring throughput of the batched transformer against the one-row prediction engine.
/// </summary>
public sealed class BenchCommand : Command<BenchSettings>
{
    public override int Execute(CommandContext context, BenchSettings settings, CancellationToken cancellation)
    {
        OutputFiles.EnsureWritable("--json", settings.Json);
        torch.set_num_threads(settings.Threads);
        if (settings.OneDnn is { } oneDnn) OneDnnConvolutions.TrySet(oneDnn);
        var data = MnistDataset.Load(settings.DataDirectory, MnistSplit.Train, settings.Images);
        var test = MnistDataset.Load(settings.DataDirectory, MnistSplit.Test, 2_000);
        AnsiConsole.MarkupLineInterpolated($"bench {settings.Architecture}: {data.Count:N0} images, batch {settings.BatchSize}, {settings.Threads} thread(s), {Environment.ProcessorCount} cores, oneDNN {(OneDnnConvolutions.Enabled is true ? "on" : "off")}");

        // Warm-up: libtorch's first steps allocate and tune.
        RawTorchLoop.ImagesPerSecond(settings.Architecture, MnistDataset.Load(settings.DataDirectory, MnistSplit.Train, settings.BatchSize * 10), settings.BatchSize, 1e-3, 1);

        var raw = RawTorchLoop.ImagesPerSecond(settings.Architecture, data, settings.BatchSize, 1e-3, 1);
        AnsiConsole.MarkupLineInterpolated($"raw TorchSharp loop      {raw,8:N0} images/s");

        var ml = new MLContext(seed: 1);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = settings.Architecture, Epochs = 1, BatchSize = settings.BatchSize, ReportEveryBatches = 0,
            NumberOfThreads = settings.Threads,
        }).Fit(data.ToDataView());
        var estimator = model.TrainingSummary!.ImagesPerSecond;
        AnsiConsole.MarkupLineInterpolated($"MLContext estimator      {estimator,8:N0} images/s  ({estimator / raw:P1} of raw)");

        var testView = test.ToDataView();
        var clock = Stopwatch.StartNew();
        var scored = model.Transform(testView).GetColumn<uint>("PredictedLabel").Count();
        var batched = scored / clock.Elapsed.TotalSeconds;
        AnsiConsole.MarkupLineInterpolated($"Transform (batched)      {batched,8:N0} images/s scored");

        var engine = ml.Model.CreatePredictionEngine<BenchInput, BenchOutput>(model);
        var inputs = Enumerable.Range(0, 500).Select(i => new BenchInput
        {
            Image = test.Pixels.AsSpan(i * 784, 784).ToArray().Select(p => p / 255f).ToArray(),
        }).ToArray();
        clock.Restart();
        foreach (var input in inputs) engine.Predict(input);
        var perRow = inputs.Length / clock.Elapsed.TotalSeconds;
        AnsiConsole.MarkupLineInterpolated($"PredictionEngine (1 row) {perRow,8:N0} images/s scored");

        if (settings.Json is { } path)
        {
            var json = JsonSerializer.Serialize(new
            {
                architecture = settings.Architecture, images = data.Count, batchSize = settings.BatchSize, threads = settings.Threads,
                rawImagesPerSecond = raw, estimatorImagesPerSecond = estimator, estimatorToRaw = estimator / raw,
                batchedScoringImagesPerSecond = batched, predictionEngineImagesPerSecond = perRow,
            }, new JsonSerializerOptions { WriteIndented = true });
            AnsiConsole.MarkupLineInterpolated($"Written to {OutputFiles.WriteAtomically(path, json)}");
        }
        return 0;
    }

    private sealed class BenchInput
    {
        [VectorType(784)]
        public float[] Image { get; set; } = [];
    }

    private sealed class BenchOutput
    {
        public uint PredictedLabel { get; set; }
    }
}
