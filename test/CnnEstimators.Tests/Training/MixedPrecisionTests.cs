using CnnMl.Architectures;
using System.Reflection;
using CnnMl.Runtime;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Tests.Training;

/// <summary>
/// The plumbing for other libtorch builds, tested on the CPU: autocast (bound through libtorch's exported functions),
/// dynamic loss scaling, mixed-precision training, and the build's TorchBackend. CUDA itself is untested here.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class MixedPrecisionTests
{
    [TestMethod]
    public void AutocastRunsConvolutionsAndLinearLayersInTheLowerPrecisionAndRestoresTheState()
    {
        Assert.IsTrue(Autocast.IsAvailable, "libtorch 2.10 exports at::autocast");
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 8, 8);
        var w = randn(4, 3, 3, 3);
        var linear = randn(5, 12);
        var typeBefore = Autocast.TypeFor(DeviceType.CPU);
        Assert.IsFalse(Autocast.IsEnabledFor(DeviceType.CPU));
        Assert.AreEqual(ScalarType.Float32, nn.functional.conv2d(x, w).dtype);

        foreach (var type in new[] { ScalarType.BFloat16, ScalarType.Float16 })
        {
            using (Autocast.Enter(DeviceType.CPU, type))
            {
                Assert.IsTrue(Autocast.IsEnabledFor(DeviceType.CPU));
                Assert.AreEqual(type, nn.functional.conv2d(x, w).dtype, $"conv2d under {type} autocast");
                Assert.AreEqual(type, nn.functional.linear(randn(2, 12), linear).dtype, $"linear under {type} autocast");
                Assert.AreEqual(ScalarType.Float32, x.exp().dtype, "operations off the lower-precision list stay float32");
                using (Autocast.Enter(DeviceType.CPU, ScalarType.BFloat16))
                {
                    Assert.AreEqual(ScalarType.BFloat16, nn.functional.conv2d(x, w).dtype, "a nested scope sets its own type");
                }
                Assert.AreEqual(type, nn.functional.conv2d(x, w).dtype, "and leaving it restores the outer one");
            }
            Assert.IsFalse(Autocast.IsEnabledFor(DeviceType.CPU));
            Assert.AreEqual(typeBefore, Autocast.TypeFor(DeviceType.CPU));
            Assert.AreEqual(ScalarType.Float32, nn.functional.conv2d(x, w).dtype);
        }
        Assert.ThrowsExactly<ArgumentException>(() => Autocast.Enter(DeviceType.CPU, ScalarType.Float64));
    }

    [TestMethod]
    public void TheLossScalerUnscalesGradientsAndSkipsAStepThatOverflows()
    {
        using var scope = NewDisposeScope();
        var w = nn.Parameter(tensor(new[] { 1f, 2f }));
        using var optimizer = optim.SGD([w], 0.5);
        var scaler = new LossScaler();

        // d/dw of sum(w²) = 2w = [2, 4]; SGD at 0.5 takes w to [0, 0] when the gradient is unscaled correctly.
        optimizer.zero_grad();
        Assert.IsTrue(scaler.BackwardAndStep((w * w).sum(), optimizer, [w]));
        CollectionAssert.AreEqual(new[] { 2f, 4f }, w.grad!.data<float>().ToArray(), "gradients divided back by the scale");
        CollectionAssert.AreEqual(new[] { 0f, 0f }, w.detach().data<float>().ToArray());
        Assert.AreEqual(LossScaler.InitialScale, scaler.Scale);

        // A loss whose scaled gradient overflows float32: the step is skipped, the weights stay, the scale halves.
        using (no_grad()) w.copy_(tensor(new[] { 1f, 2f }));
        optimizer.zero_grad();
        Assert.IsFalse(scaler.BackwardAndStep((w * 1e36f).sum(), optimizer, [w]));
        CollectionAssert.AreEqual(new[] { 1f, 2f }, w.detach().data<float>().ToArray());
        Assert.AreEqual(LossScaler.InitialScale / 2, scaler.Scale);
        Assert.AreEqual(1, scaler.SkippedSteps);
    }

    /// <summary>
    /// The seed CNN (<see cref="MnistCnn"/>: 5×5 convolutions, ReLU, max pooling, a linear classifier) at a quarter of
    /// its widths (4, 8, 8, 16 channels). Float16 autocast on this CPU has no fast convolution kernels: the seed CNN
    /// itself trained at 13 images/s under Float16 against 1,999 under BFloat16 (<c>cnnml train --train-limit 320
    /// --epochs 1 --mixed-precision fp16</c>, then <c>bf16</c>), which made this test take 53 s; the narrow copy takes
    /// the same kernels through the same steps.
    /// </summary>
    private static readonly CnnArchitecture NarrowSeedCnn = new("test-narrow-seed-cnn", "the seed CNN at a quarter of its widths", new ImageShape(1, 28, 28), 4,
        (input, classes) => nn.Sequential(
            ("conv1", nn.Conv2d(input.Channels, 4, 5, padding: 2)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(4, 8, 5, padding: 2)),
            ("relu2", nn.ReLU()),
            ("conv3", nn.Conv2d(8, 8, 5, padding: 2)),
            ("relu3", nn.ReLU()),
            ("pool2", nn.MaxPool2d(2)),
            ("conv4", nn.Conv2d(8, 16, 5, padding: 2)),
            ("relu4", nn.ReLU()),
            ("flatten", nn.Flatten()),
            ("out", nn.Linear(16 * (input.Spatial[0] / 4) * (input.Spatial[1] / 4), classes))));

    [TestMethod]
    public void FitTrainsWithMixedPrecisionOnTheCpu()
    {
        foreach (var precision in new[] { MixedPrecision.BFloat16, MixedPrecision.Float16 })
        {
            var ml = new MLContext(seed: 2);
            using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                CustomArchitecture = NarrowSeedCnn, Epochs = 2, BatchSize = 32, ReportEveryBatches = 0, MixedPrecision = precision,
            }).Fit(SyntheticImages.Create(320, seed: 8));
            var accuracy = ml.MulticlassClassification.Evaluate(model.Transform(SyntheticImages.Create(160, seed: 9))).MicroAccuracy;
            Assert.IsGreaterThan(0.9, accuracy, $"{precision}: {accuracy:P1}");
            Assert.IsFalse(Autocast.IsEnabledFor(DeviceType.CPU), "autocast is off after Fit");
            Assert.IsTrue(model.Module.parameters().All(p => p.dtype == ScalarType.Float32), "weights stay float32 (autocast casts copies)");
        }
    }

    [TestMethod]
    public void TheBuildRecordsWhichLibtorchItExpects()
    {
        var built = typeof(MixedPrecisionTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "CnnMl.TorchBackend").Value;
        Assert.AreEqual(built, TorchRuntime.TorchBackend, "the library and the tests come from one build");
        CollectionAssert.Contains(new[] { "cpu", "cuda", "system" }, TorchRuntime.TorchBackend);
    }
}
