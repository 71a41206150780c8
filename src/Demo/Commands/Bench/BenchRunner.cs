using CnnMl.Demo.Commands.Bench.Serving;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Inspection;
using CnnMl.Optimizers;
using CnnMl.Runtime;
using CnnMl.Scoring;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;
using TorchSharp;

namespace CnnMl.Demo.Commands.Bench;

/// <summary>The names of <c>cnnml bench</c>'s sections.</summary>
public static class BenchSections
{
    /// <summary>SGEMM rate and the seed CNN's ceiling.</summary>
    public const string Gemm = "gemm";

    /// <summary>Preparing one training batch: the former tensor-per-step path vs the reused batch tensor.</summary>
    public const string BatchPreparation = "batch-prep";

    /// <summary>Estimator vs raw loop, every MNIST-size network.</summary>
    public const string Training = "training";

    /// <summary>Transform vs raw batched inference.</summary>
    public const string Scoring = "scoring";

    /// <summary>PredictionEngine p50/p99.</summary>
    public const string Latency = "latency";

    /// <summary>Resident memory after each of 3 epochs.</summary>
    public const string Memory = "memory";

    /// <summary>Estimator vs raw loop at several batch sizes.</summary>
    public const string BatchScaling = "batch-scaling";

    /// <summary>Estimator vs raw loop at several training set sizes.</summary>
    public const string DataScaling = "data-scaling";

    /// <summary>Training from an image folder, streamed: batches prepared ahead (decoding overlaps training) vs on the training thread.</summary>
    public const string Streaming = "streaming";

    /// <summary><c>cnnml serve</c> on loopback: load at 1, 8 and 32 clients, the raw ONNX Runtime ceiling, malformed requests.</summary>
    public const string Serving = "serving";
}

/// <summary>Runs the sections of <c>cnnml bench</c> into a <see cref="BenchReport"/>.</summary>
internal sealed class BenchRunner(BenchSettings settings, BenchReport report, CancellationToken cancellation)
{
    private const double LearningRate = CnnOptimizer.DefaultLearningRate;
    private const int Seed = 1;
    private const int GemmSize = 2048;
    private const int ScoringBatchSize = 256;

    /// <summary>Training floating-point operations per image ≈ 3 passes (forward, input and weight gradients) × 2 per multiply-accumulate.</summary>
    private const double TrainingFlopsPerMac = 6;

    private readonly Dictionary<int, BenchImages> _train = [];
    private BenchImages? _test;
    private double? _gemmGflops;

    public void DescribeMachine(bool rawOneDnn)
    {
        var machine = report.Machine;
        void Add(string key, string value) => machine.Add(new(key, value));
        Add("device", "cpu (libtorch CPU build; CUDA is not measured here)");
        Add("libtorch threads", torch.get_num_threads().ToString(CultureInfo.InvariantCulture));
        Add("logical cores", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture));
        Add("processor", ProcessorName());
        Add("oneDNN", $"estimator: OneDnnMode.{settings.OneDnnMode}; raw loop: {(rawOneDnn ? "on" : "off")}");
        Add("TorchSharp", typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?");
        Add(".NET", Environment.Version.ToString());
        Add("protocol", $"{settings.Repeats} measurements per side, sides alternating (A B, B A, …); batch {settings.BatchSize}, Adam {LearningRate}, seed {Seed}; training times count steps only");
        Add("load average", LoadAverage());
    }

    public void Run(string section)
    {
        switch (section)
        {
            case BenchSections.Gemm: Gemm(); break;
            case BenchSections.BatchPreparation: BatchPreparation(); break;
            case BenchSections.Training: Training(); break;
            case BenchSections.Scoring: Scoring(); break;
            case BenchSections.Latency: Latency(); break;
            case BenchSections.Memory: Memory(); break;
            case BenchSections.BatchScaling: BatchScaling(); break;
            case BenchSections.DataScaling: DataScaling(); break;
            case BenchSections.Streaming: Streaming(); break;
            case BenchSections.Serving: Serving(); break;
            default: throw new ArgumentOutOfRangeException(nameof(section), section, "Unknown bench section.");
        }
    }

    private void Gemm()
    {
        var rate = GemmRate.Measure(GemmSize, Math.Max(settings.Repeats, 5));
        _gemmGflops = rate.Median;
        report.Add(BenchSections.Gemm, $"SGEMM {GemmSize}×{GemmSize}", "libtorch mm", rate);
        var macs = ModelSummary.Of(CnnArchitectures.MnistCnn).Macs;
        var flops = TrainingFlopsPerMac * macs;
        var ceiling = new Measurement("images/s", rate.Values.Select(g => g * 1e9 / flops).ToArray());
        report.Add(BenchSections.Gemm, $"{CnnArchitectures.MnistCnn} ceiling", "SGEMM rate / training FLOPs", ceiling,
            $"{macs / 1e6:0.00} M multiply-accumulates per forward pass → ≈ {flops / 1e6:0} MFLOP per training image (×{TrainingFlopsPerMac}: forward, input and weight gradients)");
        Progress($"SGEMM {rate.Median:N0} GFLOP/s → {CnnArchitectures.MnistCnn} ceiling ≈ {ceiling.Median:N0} images/s");
    }

    /// <summary>
    /// The input side of a training step alone: shuffled rows into a batch tensor. Formerly: rows copied into a float[],
    /// then torch.tensor(Memory&lt;float&gt;) per step (which copies the array again and allocates); now: rows copied once
    /// into one reused native tensor (<see cref="InMemoryBatches"/>).
    /// </summary>
    private void BatchPreparation()
    {
        var data = TrainImages(settings.Images);
        var examples = InMemoryExamples.Load(data.View, "Image", "Label", data.FeatureSize);
        var batch = settings.BatchSize;
        var passes = Math.Max(1, 20_000 / data.Count);

        double Former()
        {
            var order = Enumerable.Range(0, examples.Count).ToArray();
            var random = new Random(Seed);
            var features = new float[batch * data.FeatureSize];
            var labels = new long[batch];
            var steps = 0;
            var clock = Stopwatch.StartNew();
            for (var pass = 0; pass < passes; pass++)
            {
                random.Shuffle(order);
                for (var start = 0; start < examples.Count; start += batch, steps++)
                {
                    var count = Math.Min(batch, examples.Count - start);
                    for (var i = 0; i < count; i++)
                    {
                        var row = order[start + i];
                        examples.Features.AsSpan(row * data.FeatureSize, data.FeatureSize).CopyTo(features.AsSpan(i * data.FeatureSize));
                        labels[i] = examples.Labels[row];
                    }
                    using var scope = torch.NewDisposeScope();
                    _ = torch.tensor(features.AsMemory(0, count * data.FeatureSize), data.Shape.WithBatch(count));
                    _ = torch.tensor(labels.AsMemory(0, count), [count]);
                }
            }
            return clock.Elapsed.TotalMicroseconds / steps;
        }

        double Reused()
        {
            using var batches = InMemoryBatches.Shuffled(examples, batch, Seed, data.Shape, pinned: false);
            var steps = 0;
            var clock = Stopwatch.StartNew();
            for (var pass = 0; pass < passes; pass++)
            {
                batches.BeginPass();
                foreach (var examplesBatch in batches.Batches(cancellation))
                {
                    using var scope = torch.NewDisposeScope();
                    _ = examplesBatch.Images();
                    _ = examplesBatch.Labels();
                    steps++;
                }
            }
            return clock.Elapsed.TotalMicroseconds / steps;
        }

        Former();
        Reused();
        var (reused, former) = Interleaved.Run(settings.Repeats, "µs per batch", Reused, Former);
        report.Compare(BenchSections.BatchPreparation, $"{batch} MNIST images per batch", "reused batch tensor", reused, "tensor per step (former)", former,
            $"{passes} shuffled pass(es) over {examples.Count:N0} images per measurement; lower is better");
        Progress($"batch preparation: reused {reused.Median:N1} µs, former {former.Median:N1} µs per batch");
    }

    private void Training()
    {
        var data = TrainImages(settings.Images);
        foreach (var architecture in settings.SelectedArchitectures) CompareTraining(BenchSections.Training, architecture, architecture, data, settings.BatchSize);
    }

    private void BatchScaling()
    {
        var data = TrainImages(settings.Images);
        foreach (var batch in settings.BatchSizeList)
            CompareTraining(BenchSections.BatchScaling, CnnArchitectures.MnistCnn, $"{CnnArchitectures.MnistCnn}, batch {batch}", data, batch);
    }

    private void DataScaling()
    {
        foreach (var size in settings.DataSizeList)
        {
            var data = TrainImages(size);
            CompareTraining(BenchSections.DataScaling, CnnArchitectures.MnistCnn, $"{CnnArchitectures.MnistCnn}, {data.Count:N0} images", data, settings.BatchSize);
        }
    }

    /// <summary>One pass over <paramref name="data"/> through the estimator and through the raw loop, alternately.</summary>
    private void CompareTraining(string section, string architecture, string name, BenchImages data, int batchSize)
    {
        // Warm-up, untimed: first steps allocate, the oneDNN probe runs for the batch sizes met here.
        var warmUp = TrainImages(Math.Min(data.Count, batchSize * 5));
        RawTorchLoop.TrainingImagesPerSecond(architecture, warmUp, batchSize, LearningRate, Seed);
        var decision = EstimatorTraining(architecture, warmUp, batchSize).OneDnn;

        var (estimator, raw) = Interleaved.Run(settings.Repeats, "images/s",
            () => Checked(EstimatorTraining(architecture, data, batchSize).ImagesPerSecond),
            () => Checked(RawTorchLoop.TrainingImagesPerSecond(architecture, data, batchSize, LearningRate, Seed)));
        report.Compare(section, name, "estimator", estimator, "raw loop", raw,
            $"{data.Count:N0} images, batch {batchSize}; estimator's oneDNN: {FirstSentence(decision)}");
        Progress($"{name}: estimator {estimator.Median:N0}, raw {raw.Median:N0} images/s (ratio {estimator.Median / raw.Median:0.000})");
    }

    private TrainingSummary EstimatorTraining(string architecture, BenchImages data, int batchSize, int epochs = 1, IProgress<TrainingReport>? progress = null)
    {
        var ml = new MLContext(seed: Seed);
        using var model = ml.MulticlassClassification.Trainers.Cnn(Options(architecture, batchSize, epochs, progress)).Fit(data.View);
        return model.TrainingSummary!;
    }

    private CnnTrainerOptions Options(string architecture, int batchSize, int epochs, IProgress<TrainingReport>? progress = null) => new()
    {
        Architecture = architecture, Epochs = epochs, BatchSize = batchSize, Optimizer = new Adam { LearningRate = LearningRate }, ReportEveryBatches = 0,
        NumberOfThreads = settings.Threads, OneDnn = settings.OneDnnMode, Seed = Seed, Progress = progress, CancellationToken = cancellation,
        Scoring = { BatchSize = ScoringBatchSize },
    };

    /// <summary>
    /// The folder case: PNG files (the digits scaled up to <c>--png-size</c>, so that decoding and resizing cost what a
    /// folder of photos costs) → LoadImages → ResizeImages → ConvertToGrayscale → ExtractPixels → the estimator. Three
    /// sides, in turn: streamed (MaxInMemoryBytes = 0) with 2 batches prepared ahead on a background task; streamed
    /// with batches prepared on the training thread (PrefetchBatches = 0); and the same images decoded into memory
    /// before training (steps only: no decoding while training). With decoding alone measured too, the section says
    /// what training would reach if decoding did not overlap the steps at all — 1 / (1/in memory + 1/decoding) — and
    /// how the streamed runs compare with that. Step time includes waiting for batches.
    /// </summary>
    /// <remarks>
    /// ML.NET computes a transform chain's rows on worker threads of its own, ahead of the cursor that reads them
    /// (its consolidating cursor, one worker per core), so decoding runs off the training thread even with
    /// PrefetchBatches = 0: our background task then only takes the copying into batch tensors off it.
    /// </remarks>
    private void Streaming()
    {
        var data = TrainImages(settings.Images);
        var folder = Directory.CreateTempSubdirectory("cnnml-bench-png-").FullName;
        try
        {
            var files = WritePngs(data, folder, settings.PngSize);
            var ml = new MLContext(seed: Seed);
            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Digit")
                .Append(ml.Transforms.LoadImages("Picture", imageFolder: "", inputColumnName: "Path"))
                .Append(ml.Transforms.ResizeImages("Picture", data.Dataset.Columns, data.Dataset.Rows))
                .Append(ml.Transforms.ConvertToGrayscale("Picture"))
                .Append(ml.Transforms.ExtractPixels("Image", "Picture", colorsToExtract: Microsoft.ML.Transforms.Image.ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255));
            var view = pipeline.Fit(files).Transform(files);

            double DecodeOnly()
            {
                var clock = Stopwatch.StartNew();
                var rows = 0;
                using var cursor = view.GetRowCursor([view.Schema["Image"]]);
                var getter = cursor.GetGetter<VBuffer<float>>(view.Schema["Image"]);
                var vector = default(VBuffer<float>);
                while (cursor.MoveNext())
                {
                    getter(ref vector);
                    rows++;
                }
                return rows / clock.Elapsed.TotalSeconds;
            }

            double Trained(long maxInMemoryBytes, int prefetch)
            {
                var options = Options(CnnArchitectures.MnistCnn, settings.BatchSize, 1);
                options.FeatureColumnName = "Image";
                options.MaxInMemoryBytes = maxInMemoryBytes;
                options.PrefetchBatches = prefetch;
                using var model = new MLContext(seed: Seed).MulticlassClassification.Trainers.Cnn(options).Fit(view);
                return model.TrainingSummary!.ImagesPerSecond;
            }

            double Ahead() => Checked(Trained(0, 2));
            double OnThread() => Checked(Trained(0, 0));
            double InMemory() => Checked(Trained(CnnTrainerOptions.DefaultMaxInMemoryBytes, 2));

            DecodeOnly();
            Ahead();
            var sides = Interleaved.Run(settings.Repeats, "images/s", [Ahead, OnThread, InMemory]);
            var (ahead, onThread, inMemory) = (sides[0], sides[1], sides[2]);
            var decode = new Measurement("images/s", Enumerable.Range(0, settings.Repeats).Select(_ => Checked(DecodeOnly())).ToArray());
            var serial = 1 / (1 / inMemory.Median + 1 / decode.Median);
            var name = $"{CnnArchitectures.MnistCnn}, {data.Count:N0} PNG files of {settings.PngSize}×{settings.PngSize}";
            report.Compare(BenchSections.Streaming, name, "streamed, 2 batches prepared ahead", ahead, "streamed, prepared on the training thread", onThread,
                "step time includes waiting for batches; ML.NET decodes on its own worker threads in both");
            report.Add(BenchSections.Streaming, name, "decoded into memory before training (steps only)", inMemory,
                $"decoding alone (LoadImages → ResizeImages → ExtractPixels): {decode.Median:N0} images/s; without any overlap training would reach " +
                $"1 / (1/{inMemory.Median:N0} + 1/{decode.Median:N0}) = {serial:N0} images/s; streamed reaches {ahead.Median / serial:0.00}× that");
            report.Add(BenchSections.Streaming, name, "decoding alone", decode);
            Progress($"streamed: prepared ahead {ahead.Median:N0}, on the training thread {onThread.Median:N0} images/s; decoded into memory first {inMemory.Median:N0}; " +
                     $"decoding alone {decode.Median:N0} images/s → without overlap {serial:N0} images/s (streamed: {ahead.Median / serial:0.00}× that)");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Writes every image of <paramref name="data"/> as a <paramref name="size"/>² PNG (nearest-neighbor scaling); returns the (Path, Digit) rows.</summary>
    private static IDataView WritePngs(BenchImages data, string folder, int size)
    {
        var (width, height) = (data.Dataset.Columns, data.Dataset.Rows);
        var rows = new List<PngRow>(data.Count);
        var bgra = new byte[size * size * 4];
        for (var i = 0; i < data.Count; i++)
        {
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    var value = data.Dataset.Pixels[i * width * height + y * height / size * width + x * width / size];
                    var p = y * size + x;
                    bgra[4 * p] = bgra[4 * p + 1] = bgra[4 * p + 2] = value;
                    bgra[4 * p + 3] = 255;
                }
            }
            var path = Path.Combine(folder, $"{i:D6}.png");
            using (var image = MLImage.CreateFromPixels(size, size, MLPixelFormat.Bgra32, bgra)) image.Save(path);
            rows.Add(new PngRow { Path = path, Digit = data.Dataset.Labels[i].ToString(CultureInfo.InvariantCulture) });
        }
        return new MLContext(seed: Seed).Data.LoadFromEnumerable(rows);
    }

    private void Scoring()
    {
        var test = TestImages();
        using var model = ShortModel();
        var view = test.View;
        double Transform()
        {
            var clock = Stopwatch.StartNew();
            var count = model.Transform(view).GetColumn<uint>("PredictedLabel").Count();
            return count / clock.Elapsed.TotalSeconds;
        }
        Transform();
        RawTorchLoop.InferenceImagesPerSecond(model.Module, test, ScoringBatchSize);
        var (transform, raw) = Interleaved.Run(settings.Repeats, "images/s", () => Checked(Transform()),
            () => Checked(RawTorchLoop.InferenceImagesPerSecond(model.Module, test, ScoringBatchSize)));
        report.Compare(BenchSections.Scoring, $"{CnnArchitectures.MnistCnn}, {test.Count:N0} images", "Transform", transform, "raw batched inference", raw,
            $"batches of {ScoringBatchSize}");
        Progress($"Transform {transform.Median:N0}, raw batched {raw.Median:N0} images/s");
    }

    /// <summary>
    /// One-row latency through a <c>PredictionEngine</c>: ONNX Runtime (the default <see cref="OneRowScoring"/>) with
    /// the default <see cref="ScoringOptions.NumberOfThreads"/> (one thread for a one-row pass) and with
    /// <c>--threads</c> threads, and libtorch with one thread — the engines called in turn, each row through all.
    /// </summary>
    private void Latency()
    {
        var test = TestImages();
        using var oneThread = ShortModel();
        using var manyThreads = ShortModel(scoringThreads: settings.Threads);
        using var libTorch = ShortModel(oneRowScoring: OneRowScoring.LibTorch);
        var ml = new MLContext(seed: Seed);
        var engines = new[]
        {
            ("ONNX Runtime, ScoringThreads default (1 for one row)", ml.Model.CreatePredictionEngine<BenchRow, BenchPrediction>(oneThread)),
            ($"ONNX Runtime, ScoringThreads = {settings.Threads}", ml.Model.CreatePredictionEngine<BenchRow, BenchPrediction>(manyThreads)),
            ("libtorch, ScoringThreads default (1 for one row)", ml.Model.CreatePredictionEngine<BenchRow, BenchPrediction>(libTorch)),
        };
        var rows = Enumerable.Range(0, Math.Min(test.Count, settings.LatencyRows))
            .Select(i => new BenchRow { Image = test.Features.AsSpan(i * test.FeatureSize, test.FeatureSize).ToArray() }).ToArray();
        foreach (var (_, engine) in engines)
        {
            for (var i = 0; i < Math.Min(50, rows.Length); i++) engine.Predict(rows[i]);
        }
        var milliseconds = engines.Select(_ => new List<double>(settings.LatencyRows)).ToArray();
        for (var i = 0; i < settings.LatencyRows; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var row = rows[i % rows.Length];
            for (var k = 0; k < engines.Length; k++)
            {
                var e = (i + k) % engines.Length; // rotate which engine goes first
                var start = Stopwatch.GetTimestamp();
                engines[e].Item2.Predict(row);
                milliseconds[e].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }
        foreach (var (_, engine) in engines) engine.Dispose();
        var name = $"{CnnArchitectures.MnistCnn}, one row";
        for (var e = 0; e < engines.Length; e++)
        {
            var label = engines[e].Item1;
            var times = milliseconds[e];
            report.Add(BenchSections.Latency, name, $"PredictionEngine.Predict, {label} (median = p50)", new Measurement("ms", times),
                $"{times.Count:N0} calls after 50 warm-up calls, the engines in turn; p99 {Measurement.Percentile(times, 99):0.000} ms");
            report.Add(BenchSections.Latency, name, $"p99, {label}", new Measurement("ms", [Measurement.Percentile(times, 99)]));
            Progress($"PredictionEngine, {label}: p50 {Measurement.Percentile(times, 50):0.000} ms, p99 {Measurement.Percentile(times, 99):0.000} ms");
        }
    }

    private void Memory()
    {
        var data = TrainImages(settings.MemoryImages);
        var samples = new EpochMemory();
        EstimatorTraining(CnnArchitectures.MnistCnn, data, settings.BatchSize, epochs: 3, samples);
        foreach (var (epoch, resident, managed) in samples.Samples)
        {
            report.Add(BenchSections.Memory, $"{CnnArchitectures.MnistCnn}, {data.Count:N0} images", $"after epoch {epoch}: resident",
                new Measurement("MB", [resident / 1e6]), epoch == samples.Samples.Count ? RelativeToFirst(samples) : null);
            report.Add(BenchSections.Memory, $"{CnnArchitectures.MnistCnn}, {data.Count:N0} images", $"after epoch {epoch}: managed heap",
                new Measurement("MB", [managed / 1e6]));
        }
        Progress($"resident after each epoch: {string.Join(", ", samples.Samples.Select(s => $"{s.Resident / 1e6:N0} MB"))}");
    }

    private static string RelativeToFirst(EpochMemory samples) =>
        $"resident memory after epoch {samples.Samples.Count} differs from after epoch 1 by {100.0 * samples.Samples[^1].Resident / samples.Samples[0].Resident - 100:+0.0;-0.0} % (each sampled after a full garbage collection)";

    /// <summary>A model to score with: mnist-cnn after a short epoch (scoring speed does not depend on the weights).</summary>
    private CnnTransformer ShortModel(int? scoringThreads = null, OneRowScoring oneRowScoring = OneRowScoring.OnnxRuntime)
    {
        var options = Options(CnnArchitectures.MnistCnn, settings.BatchSize, 1);
        options.Scoring.NumberOfThreads = scoringThreads;
        options.Scoring.OneRowScoring = oneRowScoring;
        return new MLContext(seed: Seed).MulticlassClassification.Trainers.Cnn(options).Fit(TrainImages(Math.Min(settings.Images, 640)).View);
    }

    private BenchImages TrainImages(int count)
    {
        if (!_train.TryGetValue(count, out var images)) _train[count] = images = BenchImages.Load(settings.DataDirectory, MnistSplit.Train, count);
        return images;
    }

    private BenchImages TestImages() => _test ??= BenchImages.Load(settings.DataDirectory, MnistSplit.Test, settings.ScoreImages);

    private double Checked(double value)
    {
        cancellation.ThrowIfCancellationRequested();
        return value;
    }

    private void Serving()
    {
        var folder = Directory.CreateTempSubdirectory("cnnml-bench-serving-");
        try
        {
            var model = ServingBench.TrainModel(settings.DataDirectory, settings.Images, folder.FullName);
            var test = MnistDataset.Load(settings.DataDirectory, MnistSplit.Test, maxRows: 200);
            var plan = new ServingBenchPlan(settings.ServingRequests, [1, 8, 32], settings.AbuseRequests, TimeSpan.FromSeconds(settings.ServingSeconds));
            var result = ServingBench.RunAsync(model, test, plan, Progress, cancellation).GetAwaiter().GetResult();
            ServingBenchLines.AddTo(report, result);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static void Progress(string line) => AnsiConsole.MarkupLineInterpolated($"  {line}");

    private static string FirstSentence(string? text) => text is null ? "?" : text.Split("; ", 2)[^1];

    private static string ProcessorName()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) + " (1, 5, 15 min; measurements on a busy machine vary)";
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>Resident set and managed heap at the end of each epoch, after a full collection (so garbage is not counted as growth).</summary>
    private sealed class EpochMemory : IProgress<TrainingReport>
    {
        public List<(int Epoch, long Resident, long Managed)> Samples { get; } = [];

        public void Report(TrainingReport value)
        {
            if (value.Kind != TrainingReportKind.EpochEnd) return;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using var process = Process.GetCurrentProcess();
            Samples.Add((value.Epoch, process.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false)));
        }
    }

    private sealed class PngRow
    {
        public string Path { get; set; } = "";

        public string Digit { get; set; } = "";
    }

    private sealed class BenchRow
    {
        [VectorType(784)]
        public float[] Image { get; set; } = [];
    }

    private sealed class BenchPrediction
    {
        public uint PredictedLabel { get; set; }
    }
}
