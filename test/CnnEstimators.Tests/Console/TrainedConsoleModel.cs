using CnnMl.Tests.Support;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// One <c>cnnml train --out</c> run shared by the console tests that need a saved model (training is the slow part):
/// mnist-cnn, 1 epoch on 2,000 MNIST images, evaluated on 500, with the zip, its consumption code, the metrics JSON,
/// a checkpoint and the PyTorch weights in a temporary folder that is deleted when the test process exits.
/// </summary>
internal sealed class TrainedConsoleModel
{
    private static readonly Lazy<TrainedConsoleModel> Shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private TrainedConsoleModel(string folder, CnnmlRun train)
    {
        Folder = folder;
        Train = train;
    }

    /// <summary>The folder holding the run's outputs.</summary>
    public string Folder { get; }

    /// <summary>The train run (its stdout holds the accuracy printed right after training).</summary>
    public CnnmlRun Train { get; }

    /// <summary>--out.</summary>
    public string ModelPath => Path.Combine(Folder, "model.zip");

    /// <summary>The consumption code written beside the zip.</summary>
    public string ConsumptionCodePath => Path.Combine(Folder, "model.consume.cs");

    /// <summary>--metrics-json.</summary>
    public string MetricsPath => Path.Combine(Folder, "train.json");

    /// <summary>--checkpoint: the same weights, for CnnTransformer.Load (the library's own scoring).</summary>
    public string CheckpointPath => Path.Combine(Folder, "train.ckpt");

    /// <summary>--weights-out: the same weights as a PyTorch state dict.</summary>
    public string WeightsPath => Path.Combine(Folder, "weights.pt");

    /// <summary>Trains once per test process; fails every test that needs it if the run fails.</summary>
    public static TrainedConsoleModel Get() => Shared.Value;

    private static TrainedConsoleModel Create()
    {
        var data = TestPaths.RequireMnist();
        var folder = Directory.CreateTempSubdirectory("cnnml-console-model-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        };
        var run = CnnmlProcess.Run(TimeSpan.FromMinutes(20),
            "train", "--arch", "mnist-cnn", "--epochs", "1", "--train-limit", "2000", "--test-limit", "500", "--threads", "2",
            "--data", data, "--report-every", "0",
            "--out", Path.Combine(folder, "model.zip"), "--metrics-json", Path.Combine(folder, "train.json"), "--checkpoint", Path.Combine(folder, "train.ckpt"),
            "--weights-out", Path.Combine(folder, "weights.pt"));
        Assert.AreEqual(0, run.ExitCode, "cnnml train --out failed:\n" + run);
        return new TrainedConsoleModel(folder, run);
    }
}
