using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Inspection;
using CnnMl.Optimizers;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using static TorchSharp.torch;

namespace CnnMl.Tests.Training;

/// <summary>
/// <c>Fit</c> above <see cref="CnnTrainerOptions.MaxInMemoryBytes"/>: the data is streamed from the IDataView cursor
/// (seeded shuffle buffer, batches prepared ahead), and training works as in memory.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class StreamingTrainingTests
{
    /// <summary>A network small enough for 3×224×224 images on a CPU: 8× average pooling, one strided convolution, a linear head.</summary>
    private const string TinyNetwork = "test-tiny-224";

    [ClassInitialize]
    public static void RegisterTinyNetwork(TestContext context)
    {
        if (!CnnArchitectures.TryGet(TinyNetwork, out _))
        {
            CnnArchitectures.Register(new CnnArchitecture(TinyNetwork, "test: avg-pool 8, conv 3→8 stride 2, global pool, linear", new ImageShape(3, 224, 224), 4,
                (input, classes) => nn.Sequential(
                    ("pool", nn.AvgPool2d(8)),
                    ("conv", nn.Conv2d(input.Channels, 8, 3, stride: 2)),
                    ("relu", nn.ReLU()),
                    ("gap", nn.AdaptiveAvgPool2d(1)),
                    ("flatten", nn.Flatten()),
                    ("fc", nn.Linear(8, classes)))));
        }
    }

    [TestMethod]
    public void FitStreamsDataAboveTheBudgetAndLearnsAsInMemory()
    {
        var log = new List<string>();
        double Accuracy(long budget, int? shuffleRows = null)
        {
            var ml = new MLContext(seed: 3);
            ml.Log += (_, e) =>
            {
                lock (log) log.Add(e.Message);
            };
            var data = SyntheticImages.Create(480, seed: 11);
            using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                Epochs = 2, BatchSize = 32, ReportEveryBatches = 0, MaxInMemoryBytes = budget, ShuffleBufferRows = shuffleRows,
                ValidationSet = SyntheticImages.Create(96, seed: 12),
            }).Fit(data);
            Assert.AreEqual(480L, model.TrainingSummary!.TrainImages);
            Assert.IsGreaterThan(0.9, model.TrainingSummary.FinalValidationAccuracy!.Value, "the synthetic squares are easy");
            return ml.MulticlassClassification.Evaluate(model.Transform(SyntheticImages.Create(200, seed: 13))).MicroAccuracy;
        }

        var inMemory = Accuracy(CnnTrainerOptions.DefaultMaxInMemoryBytes);
        Assert.IsTrue(log.Any(m => m.Contains("Training data in memory: 480 images", StringComparison.Ordinal)), string.Join(Environment.NewLine, log));
        log.Clear();
        var streamed = Accuracy(100_000, shuffleRows: 64);
        Assert.IsTrue(log.Any(m => m.Contains("Training data streamed from the IDataView (1.5 MB exceed MaxInMemoryBytes (100,000 bytes)): 480 images per pass, a shuffle buffer of 64 rows", StringComparison.Ordinal)),
            string.Join(Environment.NewLine, log));
        Assert.IsTrue(log.Any(m => m.Contains("Validation data streamed", StringComparison.Ordinal)), "the 96 validation images (0.3 MB) are over the budget too");
        Assert.IsGreaterThan(0.95, inMemory);
        Assert.IsGreaterThan(0.95, streamed);
    }

    [TestMethod]
    public void StreamedTrainingIsRepeatableForASeedWithOrWithoutPrefetching()
    {
        // The whole state dict (every parameter and buffer, bit for bit), not one tensor of it.
        string Weights(int prefetch, int seed = 5)
        {
            var ml = new MLContext(seed: seed);
            using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                Epochs = 2, BatchSize = 16, ReportEveryBatches = 0, MaxInMemoryBytes = 0, PrefetchBatches = prefetch, ShuffleBufferRows = 40,
                NumberOfThreads = 1,
            }).Fit(SyntheticImages.Create(96, seed: 4));
            return WeightsDigest.Sha256(model.Module);
        }

        var threads = get_num_threads();
        try
        {
            var prefetched = Weights(prefetch: 2);
            Assert.AreEqual(prefetched, Weights(prefetch: 0), "the order comes from the seed and the pass, whichever thread prepares the batches");
            Assert.AreNotEqual(prefetched, Weights(prefetch: 2, seed: 6), "another seed, another network: the digest tells them apart");
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    [TestMethod]
    public void CheckpointsAskForDataInMemory()
    {
        var error = Assert.ThrowsExactly<NotSupportedException>(() => new MLContext(seed: 1).MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 1, MaxInMemoryBytes = 0, Checkpoints = { Path = Path.Combine(Path.GetTempPath(), "cnnml-streamed.ckpt") },
        }).Fit(SyntheticImages.Create(32)));
        StringAssert.Contains(error.Message, "Raise MaxInMemoryBytes above the data's size, or train without checkpoints.");
    }

    /// <summary>
    /// 20,000 rows of 3×224×224 (3.0 billion floats: past .NET's array limit, 12 GB as one array), generated when the
    /// cursor reaches them: a few hundred batches train with flat managed and resident memory.
    /// </summary>
    [TestMethod]
    [TestCategory("Evaluation")]
    public void DataPastTheArrayLimitTrainsWithFlatMemory()
    {
        const int Rows = 20_000;
        const int Size = 3 * 224 * 224;
        var data = new GeneratedImages(Rows, Size, 4, (index, image) =>
        {
            var label = (int)(index % 4);
            // Class c is brighter in channel c % 3 (and class 3 dark everywhere): learnable from averages.
            if (!image.IsEmpty)
            {
                image.Fill(0.1f);
                if (label < 3) image.Slice(label * 224 * 224, 224 * 224).Fill(0.9f);
            }
            return (uint)label + 1;
        });
        Assert.IsGreaterThan((long)Array.MaxLength, (long)Rows * Size);

        var samples = new List<(long Batch, long Managed, long Resident)>();
        var progress = new Sampler(samples);
        // What the process holds before Fit (other tests' live objects when the whole suite runs in one process):
        // the limits below are on what training adds to it.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) =>
        {
            lock (log) log.Add(e.Message);
        };
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Architecture = TinyNetwork, Epochs = 1, BatchSize = 64, ReportEveryBatches = 25, MaxInMemoryBytes = 64L << 20, Progress = progress,
            Optimizer = new Adam { LearningRate = 1e-2 },
        }).Fit(data);

        var summary = model.TrainingSummary!;
        Console.WriteLine($"{summary.TrainImages:N0} images in {summary.TrainSeconds:F1} s; managed heap before Fit {before / 1e6:N0} MB; samples (batch, managed MB, resident MB): " +
                          string.Join("; ", samples.Select(s => $"{s.Batch}: {s.Managed / 1e6:N0}, {s.Resident / 1e6:N0}")));
        Assert.AreEqual((long)Rows, summary.TrainImages);
        Assert.AreEqual((long)Rows, data.ImagesRead, "one pass, each row read once (the count pass reads labels only)");
        Assert.IsTrue(log.Any(m => m.Contains("exceed .NET's array limit", StringComparison.Ordinal)), string.Join(Environment.NewLine, log));
        Assert.IsGreaterThanOrEqualTo(12, samples.Count, "313 batches, a sample every 25");
        var settled = samples.Skip(2).ToList();
        var managedGrowth = settled.Max(s => s.Managed) - settled.Min(s => s.Managed);
        var residentGrowth = settled[^1].Resident - settled[0].Resident;
        Assert.IsLessThan(16_000_000L, managedGrowth, $"managed heap varies by {managedGrowth / 1e6:N1} MB after the first batches");
        Assert.IsLessThan(64_000_000L, residentGrowth, $"resident memory grows by {residentGrowth / 1e6:N1} MB over {settled.Count} samples");
        Assert.IsLessThan(200_000_000L, settled.Max(s => s.Managed) - before,
            $"on top of the {before / 1e6:N0} MB held before Fit, the managed heap holds the 64-row shuffle buffer (39 MB) and batch buffers, not the data");
        Assert.IsGreaterThan(0.9, summary.FinalTrainAccuracy, "the classes differ in their channel means");
    }

    /// <summary>
    /// MNIST streamed with a 32 MB budget (its 188 MB image column does not fit) against the same training in memory:
    /// test accuracy within 0.3 points, and managed memory bounded while streaming. Both runs follow the evaluation
    /// protocol (<see cref="MnistEvaluation"/>: all 60,000 images, one epoch, MLContext seed 1, one thread): the
    /// in-memory run is the one <c>MnistEvaluationTests</c> asserts 98 % on, trained once per test process
    /// (<see cref="MnistEvaluation.SharedAccuracy"/>); what memory holds in memory is measured on a run of the same
    /// protocol canceled after its first 50 batches, which is all it takes to see the column held. Measured (one thread,
    /// seed 1): in memory 98.41 %, managed peak +189.1 MB after 50 batches; streamed 98.19 %, managed peak +17.3 MB,
    /// 46 MB allocated; 106 CPU seconds for the test run alone (both full epochs), one epoch fewer inside the suite. On an
    /// Intel Xeon (another CPU, other kernels): in memory 98.12 %, streamed 98.11 %, managed peaks +189.1 MB and +17.2 MB.
    /// <para>
    /// A smaller budget does not prove the same: on the first 10,000 images with an 8 MB budget (a 31 MB column, a
    /// shuffle buffer of half the budget) streaming lost 0.51, 1.45 and 0.48 points against memory for MLContext seeds 1–3
    /// (95.30 / 96.57 / 96.23 % in memory), outside the 0.3 points asserted here: a buffer that holds a small share of
    /// the data mixes less than a full shuffle does. So the test keeps all 60,000 images.
    /// </para>
    /// </summary>
    [TestMethod]
    [TestCategory("Evaluation")]
    public void MnistStreamedWithA32MegabyteBudgetMatchesInMemoryAccuracy()
    {
        var data = MnistEvaluation.Load(trainingImages: null);
        var mnistCnn = CnnArchitectures.Get(CnnArchitectures.MnistCnn);
        var inMemory = MnistEvaluation.SharedAccuracy(data, mnistCnn, epochs: 1);

        (long PeakManagedGrowth, long Allocated) Measure(Action<List<(long Batch, long Managed, long Resident)>> train)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var baseline = GC.GetTotalMemory(forceFullCollection: true);
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var samples = new List<(long Batch, long Managed, long Resident)>();
            train(samples);
            Assert.IsNotEmpty(samples, "no batch report");
            return (samples.Max(s => s.Managed) - baseline, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
        }

        var streamed = 0.0;
        var streaming = Measure(samples => streamed = MnistEvaluation.MicroAccuracy(data, mnistCnn, epochs: 1, customise: o =>
        {
            o.MaxInMemoryBytes = 32L << 20;
            o.ReportEveryBatches = 50;
            o.Progress = new Sampler(samples);
        }));
        using var stop = new CancellationTokenSource();
        var held = Measure(samples => Assert.ThrowsExactly<OperationCanceledException>(() => MnistEvaluation.MicroAccuracy(data, mnistCnn, epochs: 1, customise: o =>
        {
            o.ReportEveryBatches = 50;
            o.CancellationToken = stop.Token;
            o.Progress = new SynchronousProgress<TrainingReport>(report =>
            {
                new Sampler(samples).Report(report);
                if (report.Kind == TrainingReportKind.Batch) stop.Cancel();
            });
        })));
        Console.WriteLine($"in memory: accuracy {inMemory:P2}, managed peak +{held.PeakManagedGrowth / 1e6:N1} MB after 50 batches; " +
                          $"streamed with 32 MB: accuracy {streamed:P2}, managed peak +{streaming.PeakManagedGrowth / 1e6:N1} MB, allocated {streaming.Allocated / 1e6:N0} MB");
        Assert.IsLessThanOrEqualTo(0.003, Math.Abs(streamed - inMemory), $"in memory {inMemory:P2}, streamed {streamed:P2}");
        Assert.IsGreaterThan(0.97, streamed);
        Assert.IsLessThan(48_000_000L, streaming.PeakManagedGrowth,
            $"streaming holds a 16 MB shuffle buffer and batch buffers; in memory the image column alone is 188 MB (measured +{held.PeakManagedGrowth / 1e6:N0} MB)");
        Assert.IsGreaterThan(150_000_000L, held.PeakManagedGrowth, "the comparison means something: in memory the column is held");
    }

    /// <summary>Managed heap and resident memory at each batch report (optionally after a full collection).</summary>
    private sealed class Sampler(List<(long Batch, long Managed, long Resident)> samples, bool collect = true) : IProgress<TrainingReport>
    {
        public void Report(TrainingReport value)
        {
            if (value.Kind != TrainingReportKind.Batch) return;
            if (collect)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            samples.Add((value.Batch, GC.GetTotalMemory(forceFullCollection: false), process.WorkingSet64));
        }
    }
}
