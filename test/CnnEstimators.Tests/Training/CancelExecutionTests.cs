using CnnMl.Data;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Trainers;

namespace CnnMl.Tests.Training;

/// <summary>
/// A canceled <see cref="MLContext"/> (<c>CancelExecution</c>, as ML.NET's AutoML ends a trial whose budget ran out)
/// stops a running <c>Fit</c> between batches with <see cref="OperationCanceledException"/>, as ML.NET's own trainers
/// (their host's <c>CheckAlive</c>) do: the same test cancels <c>SdcaMaximumEntropy</c> on the same data for reference.
/// </summary>
[TestClass]
public sealed class CancelExecutionTests
{
    private const int CancelAfterBatches = 5;

    [TestMethod]
    public void CancelExecution_from_another_thread_stops_Fit_within_a_batch_as_it_stops_SdcaMaximumEntropy()
    {
        var mnist = MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Train, 2_000);

        // CnnTrainer: 125 batches of 16 per epoch, 3 epochs. At the end of batch 5 the training thread waits until
        // another thread has canceled the context, so no later batch can have started before the cancellation.
        var ml = new MLContext(seed: 1);
        var batches = new List<int>();
        using var reached = new ManualResetEventSlim();
        using var canceled = new ManualResetEventSlim();
        var trainer = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 3, BatchSize = 16, ReportEveryBatches = 1, NumberOfThreads = 1,
            Progress = new SynchronousProgress<TrainingReport>(report =>
            {
                if (report.Kind != TrainingReportKind.Batch) return;
                lock (batches) batches.Add(report.Batch);
                if (report.Batch != CancelAfterBatches) return;
                reached.Set();
                Assert.IsTrue(canceled.Wait(TimeSpan.FromMinutes(2)), "the other thread canceled the context");
            }),
        });
        var fit = Task.Run(() => trainer.Fit(mnist.ToDataView()));
        Assert.IsTrue(reached.Wait(TimeSpan.FromMinutes(5)), "training reached batch 5");
        var canceler = new Thread(() =>
        {
            MlContextCancellation.Cancel(ml);
            canceled.Set();
        });
        canceler.Start();
        canceler.Join();
        var cnn = Assert.ThrowsExactly<OperationCanceledException>(() => fit.GetAwaiter().GetResult());
        StringAssert.StartsWith(cnn.Message, "Operation was canceled: the MLContext's execution was canceled (CancelExecution) before epoch 1, batch 6");
        // Stopped before the batch after the cancellation: a bound on batches, not on seconds (at most one more).
        Assert.IsLessThanOrEqualTo(CancelAfterBatches + 1, batches.Max(), $"batches reported: {string.Join(", ", batches)}");
        CollectionAssert.AreEqual(Enumerable.Range(1, CancelAfterBatches).ToList(), batches, "exactly the batches before the cancellation");

        // SdcaMaximumEntropy on the same images: canceled once it has started (its first log line), it throws the same
        // exception type instead of returning a model after its 1,000 passes.
        var sdcaContext = new MLContext(seed: 1);
        using var started = new ManualResetEventSlim();
        sdcaContext.Log += (_, e) =>
        {
            if (e.Source.StartsWith("SdcaTrainerBase", StringComparison.Ordinal)) started.Set();
        };
        var sdca = sdcaContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
        {
            FeatureColumnName = "Image", MaximumNumberOfIterations = 1_000, ConvergenceTolerance = 1e-12f, NumberOfThreads = 1,
        });
        var sdcaFit = Task.Run(() => sdca.Fit(mnist.ToDataView()));
        Assert.IsTrue(started.Wait(TimeSpan.FromMinutes(5)), "SDCA started");
        MlContextCancellation.Cancel(sdcaContext);
        var reference = Assert.ThrowsExactly<OperationCanceledException>(() => sdcaFit.GetAwaiter().GetResult());
        Console.WriteLine($"CnnTrainer: {cnn.Message} SdcaMaximumEntropy: {reference.Message}");
    }

    [TestMethod]
    public void A_context_canceled_before_Fit_stops_it_before_the_first_batch()
    {
        var ml = new MLContext(seed: 1);
        var reports = 0;
        var trainer = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 1, BatchSize = 16, ReportEveryBatches = 1,
            Progress = new SynchronousProgress<TrainingReport>(_ => reports++),
        });
        MlContextCancellation.Cancel(ml);
        var ex = Assert.ThrowsExactly<OperationCanceledException>(() => trainer.Fit(SyntheticImages.Create(64)));
        StringAssert.StartsWith(ex.Message, "Operation was canceled: the MLContext's execution was canceled (CancelExecution) before epoch 1, batch 1");
        Assert.AreEqual(0, reports, "no report: nothing was trained");
    }
}
