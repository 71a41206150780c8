using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Inspection;
using CnnMl.Runtime;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Tests.Runtime;

/// <summary>
/// Fit leaves no process-wide setting behind, and concurrent Fit calls in one process compute exactly what they
/// compute one after the other.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class RuntimeSettingsTests
{
    [TestMethod]
    public void LibtorchThreadCountsBelongToTheThreadThatSetsThem()
    {
        // What ThreadCountScope relies on. A thread's count is its own once the thread has used libtorch (the first
        // get_num_threads or parallel operation initializes it); a thread that has not starts from the count set last
        // on any thread.
        var before = torch.get_num_threads();
        using var mainHasSet = new ManualResetEventSlim();
        var initialized = Task.Factory.StartNew(() =>
        {
            torch.get_num_threads();
            torch.set_num_threads(2);
            mainHasSet.Wait();
            return torch.get_num_threads();
        }, TaskCreationOptions.LongRunning);
        try
        {
            torch.set_num_threads(1);
            mainHasSet.Set();
            Assert.AreEqual(2, initialized.Result, "an initialized thread keeps its own count");
            torch.set_num_threads(1);
            var fresh = Task.Factory.StartNew(torch.get_num_threads, TaskCreationOptions.LongRunning).Result;
            Assert.AreEqual(1, fresh, "a new thread starts from the last count set anywhere");
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [TestMethod]
    public void FitSetsTheThreadCountOnlyWhileItRuns()
    {
        var before = torch.get_num_threads();
        try
        {
            torch.set_num_threads(2);
            var during = new List<int>();
            var ml = new MLContext(seed: 1);
            using (ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
                   {
                       Epochs = 1, BatchSize = 16, ReportEveryBatches = 1, NumberOfThreads = 1,
                       Progress = new SynchronousProgress<TrainingReport>(_ => during.Add(torch.get_num_threads())),
                   }).Fit(SyntheticImages.Create(32)))
            {
                CollectionAssert.AreEqual(Enumerable.Repeat(1, during.Count).ToArray(), during);
                Assert.AreEqual(2, torch.get_num_threads(), "put back after Fit");
            }

            during.Clear();
            using (ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
                   {
                       Epochs = 1, BatchSize = 16, ReportEveryBatches = 1,
                       Progress = new SynchronousProgress<TrainingReport>(_ => during.Add(torch.get_num_threads())),
                   }).Fit(SyntheticImages.Create(32)))
            {
                CollectionAssert.AreEqual(Enumerable.Repeat(2, during.Count).ToArray(), during, "NumberOfThreads null: the thread's own count");
            }
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [TestMethod]
    public void ConcurrentFitsGiveTheWeightsOfSequentialFits()
    {
        // Four one-thread trainings on 512 MNIST images: two mnist-cnn with oneDNN (Auto) that share the switch, one with
        // oneDNN off that must wait for them, and an MLP with dropout that draws from the default generator while training.
        var train = new MLContext(seed: 0).Data.LoadMnist(TestPaths.RequireMnist(), MnistSplit.Train, maxRows: 512);
        var dropoutMlp = new CnnArchitecture("dropout-mlp", "784-64-10 MLP with dropout", new ImageShape(1, 28, 28), 10,
            (input, classes) => nn.Sequential(("flatten", nn.Flatten()), ("fc1", nn.Linear(input.ElementCount, 64)), ("relu", nn.ReLU()),
                ("drop", nn.Dropout(0.5)), ("fc2", nn.Linear(64, classes))));
        var runs = new (int Seed, OneDnnMode Mode, CnnArchitecture? Custom)[]
        {
            (1, OneDnnMode.Auto, null),
            (2, OneDnnMode.Auto, null),
            (3, OneDnnMode.Off, null),
            (4, OneDnnMode.Auto, dropoutMlp),
        };

        string Fit((int Seed, OneDnnMode Mode, CnnArchitecture? Custom) run)
        {
            var ml = new MLContext(seed: run.Seed);
            using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                CustomArchitecture = run.Custom, OneDnn = run.Mode, Epochs = 1, BatchSize = 64, NumberOfThreads = 1, ReportEveryBatches = 0,
            }).Fit(train);
            return WeightsDigest.Sha256(model.Module);
        }

        var sequential = runs.Select(Fit).ToArray();
        Assert.HasCount(4, sequential.Distinct(), "four different trainings");
        using var start = new Barrier(runs.Length);
        var concurrent = runs.Select(run => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return Fit(run);
        }, TaskCreationOptions.LongRunning)).ToArray();
        CollectionAssert.AreEqual(sequential, concurrent.Select(t => t.Result).ToArray());
        Assert.AreEqual(0, OneDnnScope.OpenScopes);
    }

    [TestMethod]
    public void ARegisteredNetworkIsNotNeededToTrainOne()
    {
        var mine = new CnnArchitecture("my-linear", "one linear layer", new ImageShape(1, 28, 28), 4,
            (input, classes) => nn.Sequential(("flatten", nn.Flatten()), ("fc", nn.Linear(input.ElementCount, classes))));
        var ml = new MLContext(seed: 1);
        var trainer = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { CustomArchitecture = mine, Architecture = "", Epochs = 2, BatchSize = 16 });
        Assert.AreSame(mine, trainer.Architecture);
        using var model = trainer.Fit(SyntheticImages.Create(128));
        Assert.AreEqual("my-linear", model.Definition.Architecture);
        Assert.AreEqual(28L * 28 * 4 + 4, model.ParameterCount);
        Assert.IsFalse(CnnArchitectures.TryGet("my-linear", out _), "the registry is untouched");
        Assert.IsGreaterThan(0.9, ml.MulticlassClassification.Evaluate(model.Transform(SyntheticImages.Create(64, seed: 8))).MicroAccuracy);
    }
}
