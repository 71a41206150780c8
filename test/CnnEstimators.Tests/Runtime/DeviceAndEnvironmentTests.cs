using CnnMl.Inspection;
using CnnMl.Runtime;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.Runtime;

[TestClass]
public sealed class DeviceAndEnvironmentTests
{
    [TestMethod]
    public void CatalogBridgeReachesTheMlContextsEnvironment()
    {
        // Fails loudly if ML.NET renames IInternalCatalog.Environment or the device settings (MlNetInternalsTests names them).
        var ml = new MLContext(seed: 5) { GpuDeviceId = 3, FallbackToCpu = false };
        var environment = MlNetInternals.FromCatalog(ml.MulticlassClassification.Trainers);
        Assert.AreEqual(3, MlNetInternals.GpuDeviceId(environment));
        Assert.IsFalse(MlNetInternals.FallbackToCpu(environment));
        // Same seed stream as the MLContext: two contexts with one seed give one sequence.
        var again = MlNetInternals.FromCatalog(new MLContext(seed: 5).MulticlassClassification.Trainers);
        Assert.AreEqual(environment.Register("x").Rand.Next(), again.Register("x").Rand.Next());
    }

    [TestMethod]
    public void CpuByDefault()
    {
        var (device, description) = TorchDeviceSelector.Select(null, true);
        Assert.AreEqual(TorchSharp.DeviceType.CPU, device.type);
        Assert.AreEqual("cpu (MLContext.GpuDeviceId is not set)", description);
    }

    [TestMethod]
    public void GpuRequestFallsBackToCpuWhenAllowed()
    {
        AssumeNoCuda();
        var (device, description) = TorchDeviceSelector.Select(0, fallbackToCpu: true);
        Assert.AreEqual(TorchSharp.DeviceType.CPU, device.type);
        Assert.AreEqual("cpu (MLContext.GpuDeviceId = 0 but CUDA is not available; FallbackToCpu)", description);
    }

    [TestMethod]
    public void GpuRequestWithoutFallbackFailsInFit()
    {
        AssumeNoCuda();
        var ml = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = false };
        var trainer = ml.MulticlassClassification.Trainers.Cnn(epochs: 1);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => trainer.Fit(SyntheticImages.Create(16)));
        StringAssert.StartsWith(ex.Message, "MLContext.GpuDeviceId is 0 but CUDA is not available");
        StringAssert.Contains(ex.Message, "-p:TorchBackend=cuda");
    }

    private static void AssumeNoCuda() => Assert.IsFalse(TorchSharp.torch.cuda.is_available(),
        "assumes a machine without CUDA (the CPU build of libtorch, as CI builds it): the GPU request must find no device");

    [TestMethod]
    public void SameMlContextSeedGivesTheSameModel()
    {
        // The whole state dict (every parameter and buffer, bit for bit), not one tensor of it.
        string Train(int seed)
        {
            var ml = new MLContext(seed: seed);
            using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Epochs = 1, BatchSize = 16, NumberOfThreads = 1 })
                .Fit(SyntheticImages.Create(64));
            return WeightsDigest.Sha256(model.Module);
        }

        var first = Train(11);
        Assert.AreEqual(first, Train(11));
        Assert.AreNotEqual(first, Train(12));
    }
}
