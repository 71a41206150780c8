using System.Text.Json;
using CnnMl.Data;
using CnnMl.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// <c>cnnml train --input CxHxW</c> on MNIST: an ImageNet network (resnet18, designed for 3×224×224) trains from the
/// console on digits resized to 3×32×32 by ML.NET's image transforms, and the saved zip still reads MNIST's 784-value
/// <c>Image</c> column, so <c>evaluate</c> in a new process reports exactly what <c>train</c> printed. A plumbing test
/// (300 images, 1 epoch): the accuracy is not the point.
/// </summary>
[TestClass]
public sealed class MnistInputShapeConsoleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);

    [TestMethod]
    public void Resnet18_trains_on_MNIST_resized_to_3x32x32_and_its_zip_reads_MNIST_vectors()
    {
        TestPaths.RequireMnist();
        using var folder = new TemporaryFolder("cnnml-mnist-input");
        var model = folder.File("resnet18.zip");
        var train = CnnmlProcess.Run(Timeout, "train", "--arch", "resnet18", "--input", "3x32x32", "--train-limit", "300", "--test-limit", "100",
            "--epochs", "1", "--threads", "2", "--report-every", "0", "--out", model, "--metrics-json", folder.File("train.json"));
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        StringAssert.Contains(train.StandardOutput, "Input: MNIST's 1x28x28 digits resized to 3x32x32 (the gray plane in each of the 3 channels)");

        var ml = new MLContext();
        var loaded = ml.Model.Load(model, out var inputSchema);
        Assert.AreEqual("Vector<Single, 784>", inputSchema["Image"].Type.ToString(), "the zip reads MNIST's Image column and resizes it itself");
        var scored = loaded.Transform(ml.Data.LoadMnist(TestPaths.MnistDirectory, MnistSplit.Test, 5));
        Assert.AreEqual(5, scored.GetColumn<string>("PredictedLabel").Count());
        (loaded as IDisposable)?.Dispose();

        var evaluate = CnnmlProcess.Run(Timeout, "evaluate", "--model", model, "--test-limit", "100", "--metrics-json", folder.File("evaluate.json"));
        Assert.AreEqual(0, evaluate.ExitCode, evaluate.ToString());
        using var trained = JsonDocument.Parse(File.ReadAllText(folder.File("train.json")));
        using var evaluated = JsonDocument.Parse(File.ReadAllText(folder.File("evaluate.json")));
        Assert.AreEqual(trained.RootElement.GetProperty("microAccuracy").GetDouble(), evaluated.RootElement.GetProperty("microAccuracy").GetDouble(), 0.0,
            "the saved chain (resize included) scores as the trained one did");
        Assert.AreEqual(11_181_642L, trained.RootElement.GetProperty("parameters").GetInt64(), "resnet18 with a 10-class head");
    }
}
