using CnnMl.Runtime;
using Microsoft.ML;

namespace CnnMl.Tests.Runtime;

[TestClass]
[DoNotParallelize]
public sealed class TorchRuntimeTests
{
    [TestCleanup]
    public void Restore()
    {
        TorchRuntime.LoadBackend = () => TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
        TorchRuntime.ResetForTesting();
        TorchRuntime.EnsureAvailable();
    }

    [TestMethod]
    public void InjectedLoadFailureBecomesOneClearException()
    {
        TorchRuntime.ResetForTesting();
        TorchRuntime.LoadBackend = () => throw new NotSupportedException(
            "This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu...\n    Failed to load native component libLibTorchSharp.so");
        var ml = new MLContext(seed: 1);

        var ex = Assert.ThrowsExactly<TorchNativeLibraryException>(() => ml.MulticlassClassification.Trainers.Cnn());

        StringAssert.Contains(ex.Message, "GLIBCXX_3.4.32");
        StringAssert.Contains(ex.Message, "scripts/setup.sh");
        StringAssert.Contains(ex.Message, "Cause: NotSupportedException: This application or script uses TorchSharp");
        Assert.IsFalse(ex.Message.Contains("Failed to load native component"), "only the first line of TorchSharp's trace is kept");
        Assert.IsInstanceOfType<NotSupportedException>(ex.InnerException);
        // Every later call fails the same way, not with a TorchSharp error from deeper down.
        Assert.ThrowsExactly<TorchNativeLibraryException>(() => CnnMl.Architectures.CnnArchitectures.Get("lenet5").Create());
    }

    [TestMethod]
    public void LoadingLibTorchLetsItUseNnpackExactlyWhereNnpackInitializes()
    {
        // Where NNPACK cannot run, libtorch's first batched convolution without gradients would print "Could not initialize
        // NNPACK! Reason: Unsupported hardware." to stderr; CnnMl switches NNPACK off first. Holds on any CPU: where NNPACK
        // initializes (Supported), libtorch's switch stays on.
        TorchRuntime.EnsureAvailable();
        var supported = NnpackConvolutions.Supported;
        Assert.IsNotNull(supported, "libtorch 2.10 for Linux x64 is built with NNPACK and exports nnp_initialize");
        Assert.AreEqual(supported, NnpackConvolutions.Enabled,
            $"NNPACK initializes here: {supported}; libtorch's NNPACK switch must say the same after EnsureAvailable");
    }

    [TestMethod]
    public void ProbeSeesTheSymbolThatSetUpProvides()
    {
        // On this machine libstdc++ has the symbol (set-up installed it); the probe must agree.
        var library = LibStdCxxProbe.FindLibrary();
        Assert.IsNotNull(library);
        Assert.IsTrue(LibStdCxxProbe.HasVersion(library, "GLIBCXX_3.4.32"));
        Assert.IsFalse(LibStdCxxProbe.HasVersion(library, "GLIBCXX_9.9.99"));
    }

    [TestMethod]
    public void LoadsForReal()
    {
        TorchRuntime.ResetForTesting();
        TorchRuntime.EnsureAvailable();
        using var t = TorchSharp.torch.ones(2, 3);
        Assert.AreEqual(6.0f, t.sum().item<float>());
    }
}
