using CnnMl.Architectures;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Tests.Scoring;

/// <summary>Scoring runs each forward pass with its own thread count and puts the thread's count back.</summary>
[TestClass]
[DoNotParallelize]
public sealed class ScoringThreadsTests
{
    /// <summary>A linear classifier that records libtorch's thread count at every forward pass in eval mode.</summary>
    private sealed class ThreadRecorder : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear fc;

        public ThreadRecorder(ImageShape input, int classes) : base(nameof(ThreadRecorder))
        {
            fc = nn.Linear(input.ElementCount, classes);
            RegisterComponents();
        }

        public List<int> Seen { get; } = [];

        public override Tensor forward(Tensor x)
        {
            if (!training) Seen.Add(torch.get_num_threads());
            return fc.call(x.flatten(1));
        }
    }

    private sealed class Row
    {
        [VectorType(784)]
        public float[] Image { get; set; } = new float[784];
    }

    private sealed class Prediction
    {
        public uint PredictedLabel { get; set; }
    }

    private static (List<int> Seen, int Engine, int Batched) Score(int? scoringThreads, int threadCount)
    {
        ThreadRecorder? recorder = null;
        var architecture = new CnnArchitecture("thread-recorder", "records thread counts", new ImageShape(1, 28, 28), 4,
            (input, classes) => recorder = new ThreadRecorder(input, classes));
        var ml = new MLContext(seed: 1);
        var data = SyntheticImages.Create(64);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            CustomArchitecture = architecture, Epochs = 1, BatchSize = 32, Scoring = { NumberOfThreads = scoringThreads, BatchSize = 64 },
        }).Fit(data);
        recorder!.Seen.Clear();

        var before = torch.get_num_threads();
        try
        {
            torch.set_num_threads(threadCount);
            var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
            engine.Predict(new Row());
            var engineThreads = recorder.Seen.Single();
            Assert.AreEqual(threadCount, torch.get_num_threads(), "the prediction engine put the thread's count back");
            recorder.Seen.Clear();
            Assert.AreEqual(64, model.Transform(data).GetColumn<uint>("PredictedLabel").Count());
            var batchedThreads = recorder.Seen.Single();
            Assert.AreEqual(threadCount, torch.get_num_threads(), "Transform put the thread's count back");
            return (recorder.Seen, engineThreads, batchedThreads);
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [TestMethod]
    public void ByDefaultOneRowPassesUseOneThreadAndBatchesTheThreadsCount()
    {
        var (_, engine, batched) = Score(scoringThreads: null, threadCount: 2);
        Assert.AreEqual(1, engine);
        Assert.AreEqual(2, batched);
    }

    [TestMethod]
    public void ScoringThreadsSetsBothKinds()
    {
        var (_, engine, batched) = Score(scoringThreads: 2, threadCount: 1);
        Assert.AreEqual(2, engine);
        Assert.AreEqual(2, batched);
    }
}
