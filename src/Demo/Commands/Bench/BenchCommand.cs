using System.ComponentModel;
using System.Globalization;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Cli;
using CnnMl.Runtime;
using CnnMl.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace CnnMl.Demo.Commands.Bench;

/// <summary>Options of <c>cnnml bench</c>.</summary>
public sealed class BenchSettings : CnnmlSettings
{
    /// <summary>Every section, in the order they run.</summary>
    public static readonly string[] AllSections = [BenchSections.Gemm, BenchSections.BatchPreparation, BenchSections.Training, BenchSections.Scoring, BenchSections.Latency,
        BenchSections.Memory, BenchSections.BatchScaling, BenchSections.DataScaling, BenchSections.Streaming, BenchSections.Serving];

    /// <summary>The sections of a run without <c>--sections</c>: everything but the two scaling sweeps, the image-folder streaming and serving.</summary>
    public static readonly string[] DefaultSections = [BenchSections.Gemm, BenchSections.BatchPreparation, BenchSections.Training, BenchSections.Scoring, BenchSections.Latency, BenchSections.Memory];

    [CommandOption("--sections <LIST>")]
    [Description("Comma-separated: gemm, batch-prep, training, scoring, latency, memory, batch-scaling, data-scaling, streaming, serving, or all. Default: all but the scaling sweeps, streaming and serving.")]
    public string? Sections { get; init; }

    [CommandOption("--arch <LIST>")]
    [Description("Networks of the training section, comma-separated. Default: every registry network whose default input is a 1×28×28 MNIST image.")]
    public string? Architectures { get; init; }

    [CommandOption("--images <N>")]
    [Description("Training images per measurement (the first N of MNIST's training set).")]
    [DefaultValue(1_920)]
    public int Images { get; init; } = 1_920;

    [CommandOption("--repeats <N>")]
    [Description("Measurements per side; the sides alternate (A B, B A, …). At least 5 for a median worth quoting.")]
    [DefaultValue(5)]
    public int Repeats { get; init; } = 5;

    [CommandOption("--batch-size <N>")]
    [Description("Images per training step (scoring uses batches of 256, the estimator's default).")]
    [DefaultValue(CnnTrainerOptions.DefaultBatchSize)]
    public int BatchSize { get; init; } = CnnTrainerOptions.DefaultBatchSize;

    [CommandOption("--threads <N>")]
    [Description("libtorch threads for every measurement.")]
    [DefaultValue(2)]
    public int Threads { get; init; } = 2;

    [CommandOption("--onednn <MODE>")]
    [Description("The estimator's OneDnnMode: auto (probe, the default), on or off. The raw loop runs with oneDNN on (off when this is off).")]
    [DefaultValue("auto")]
    public string OneDnn { get; init; } = "auto";

    [CommandOption("--score-images <N>")]
    [Description("Test images scored per scoring measurement.")]
    [DefaultValue(10_000)]
    public int ScoreImages { get; init; } = 10_000;

    [CommandOption("--latency-rows <N>")]
    [Description("One-row predictions timed for the latency percentiles.")]
    [DefaultValue(1_000)]
    public int LatencyRows { get; init; } = 1_000;

    [CommandOption("--png-size <PIXELS>")]
    [Description("Side of the PNG files the streaming section writes (MNIST digits scaled up, as photos are larger than the network's input; the pipeline resizes them back to 28×28).")]
    [DefaultValue(224)]
    public int PngSize { get; init; } = 224;

    [CommandOption("--memory-images <N>")]
    [Description("Training images per epoch in the memory section (3 epochs).")]
    [DefaultValue(5_000)]
    public int MemoryImages { get; init; } = 5_000;

    [CommandOption("--data-sizes <LIST>")]
    [Description("Training set sizes of the data-scaling section.")]
    [DefaultValue("5000,20000,60000")]
    public string DataSizes { get; init; } = "5000,20000,60000";

    [CommandOption("--batch-sizes <LIST>")]
    [Description("Batch sizes of the batch-scaling section.")]
    [DefaultValue("16,64,256")]
    public string BatchSizes { get; init; } = "16,64,256";

    [CommandOption("--serving-requests <N>")]
    [Description("Requests per load level of the serving section (1, 8 and 32 clients).")]
    [DefaultValue(2_000)]
    public int ServingRequests { get; init; } = 2_000;

    [CommandOption("--abuse-requests <N>")]
    [Description("Malformed requests of the serving section's abuse phase.")]
    [DefaultValue(1_000)]
    public int AbuseRequests { get; init; } = 1_000;

    [CommandOption("--serving-seconds <S>")]
    [Description("Time limit of each serving phase (each load level, the ceiling, the abuse), in seconds.")]
    [DefaultValue(60)]
    public int ServingSeconds { get; init; } = 60;

    [CommandOption("--data <DIR>")]
    [Description("Folder with the MNIST idx files. Default: $CNNML_DATA, else data/mnist.")]
    public string? Data { get; init; }

    [CommandOption("--json <FILE>")]
    [Description("Also write the report as JSON (every value, medians, min, max, ratios, machine).")]
    public string? Json { get; init; }

    /// <summary>The MNIST folder.</summary>
    public string DataDirectory => OutputFiles.MnistDirectory(Data);

    /// <summary>The sections to run, in run order.</summary>
    public IReadOnlyList<string> SelectedSections
    {
        get
        {
            if (Sections is null) return DefaultSections;
            var asked = Split(Sections);
            return asked.Contains("all") ? AllSections : AllSections.Where(asked.Contains).ToArray();
        }
    }

    /// <summary>The networks of the training section.</summary>
    public IReadOnlyList<string> SelectedArchitectures => Architectures is null
        ? CnnArchitectures.All.Where(a => a.DefaultInput.Equals(KnownInputs.Mnist)).Select(a => a.Name).ToArray()
        : Split(Architectures);

    /// <summary>The estimator's oneDNN mode.</summary>
    public OneDnnMode OneDnnMode => Enum.Parse<OneDnnMode>(OneDnn, ignoreCase: true);

    /// <summary>Sizes of the data-scaling section.</summary>
    public IReadOnlyList<int> DataSizeList => Split(DataSizes).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Sizes of the batch-scaling section.</summary>
    public IReadOnlyList<int> BatchSizeList => Split(BatchSizes).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    public override ValidationResult Validate()
    {
        if (BatchSize < 1) return ValidationResult.Error($"--batch-size must be at least 1 (got {BatchSize}).");
        if (Images < BatchSize) return ValidationResult.Error($"--images must be at least the batch size (got {Images}).");
        if (Repeats < 1) return ValidationResult.Error($"--repeats must be at least 1 (got {Repeats}); 5 or more for a median worth quoting.");
        if (Threads < 1) return ValidationResult.Error($"--threads must be at least 1 (got {Threads}).");
        if (PngSize is < 28 or > 4096) return ValidationResult.Error($"--png-size must be between 28 and 4096 pixels (got {PngSize}).");
        if (ServingRequests < 1 || AbuseRequests < 1 || ServingSeconds is < 1 or > 3600)
            return ValidationResult.Error("--serving-requests and --abuse-requests must be at least 1, --serving-seconds between 1 and 3600.");
        if (ScoreImages < 1 || LatencyRows < 1 || MemoryImages < 1)
            return ValidationResult.Error("--score-images, --latency-rows and --memory-images must be at least 1.");
        if (!Enum.TryParse<OneDnnMode>(OneDnn, ignoreCase: true, out _)) return ValidationResult.Error($"--onednn must be auto, on or off (got '{OneDnn}').");
        if (Sections is not null && Split(Sections).FirstOrDefault(s => s != "all" && !AllSections.Contains(s)) is { } unknown)
            return ValidationResult.Error($"--sections: unknown section '{unknown}'. Sections: {string.Join(", ", AllSections)}, or all.");
        if (SelectedArchitectures.FirstOrDefault(a => !CnnArchitectures.TryGet(a, out _)) is { } name)
            return ValidationResult.Error(ArchitectureName.Unknown(name));
        if (SelectedArchitectures.FirstOrDefault(a => !CnnArchitectures.Get(a).DefaultInput.Equals(KnownInputs.Mnist)) is { } notMnist)
            return ValidationResult.Error($"--arch: '{notMnist}' does not take 1×28×28 MNIST images (its default input is {CnnArchitectures.Get(notMnist).DefaultInput}).");
        foreach (var (option, list) in new[] { ("--data-sizes", DataSizes), ("--batch-sizes", BatchSizes) })
        {
            if (Split(list).Any(s => !int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1))
                return ValidationResult.Error($"{option} must be a comma-separated list of positive integers (got '{list}').");
        }
        return ValidationResult.Success();
    }

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => s.ToLowerInvariant()).ToArray();
}

/// <summary>
/// <c>cnnml bench</c>: training throughput of the estimator against a raw TorchSharp loop of the same network for
/// every MNIST-size registry network, Transform against raw batched inference, PredictionEngine latency, resident
/// memory over three epochs, scaling with batch and data size, the machine's SGEMM rate and the seed CNN's ceiling.
/// Sides alternate and repeat; the table shows medians, min–max and the ratio of medians.
/// </summary>
public sealed class BenchCommand : Command<BenchSettings>
{
    public override int Execute(CommandContext context, BenchSettings settings, CancellationToken cancellation)
    {
        OutputFiles.EnsureWritable("--json", settings.Json);
        torch.set_num_threads(settings.Threads);
        var rawOneDnn = settings.OneDnnMode != OneDnnMode.Off;
        OneDnnConvolutions.TrySet(rawOneDnn);
        var report = new BenchReport();
        var bench = new BenchRunner(settings, report, cancellation);
        bench.DescribeMachine(rawOneDnn);
        foreach (var section in settings.SelectedSections)
        {
            cancellation.ThrowIfCancellationRequested();
            AnsiConsole.MarkupLineInterpolated($"[bold]{section}[/]");
            bench.Run(section);
        }
        report.Print();
        if (settings.Json is { } path) AnsiConsole.MarkupLineInterpolated($"Written to {OutputFiles.WriteAtomically(path, report.ToJson())}");
        return 0;
    }
}
