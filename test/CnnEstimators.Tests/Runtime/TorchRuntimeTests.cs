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

        StringAssert.StartsWith(ex.Message, "TorchSharp's native library (libtorch) could not be loaded.");
        // This machine has GLIBCXX_3.4.32 and the tests' libtorch-cpu-linux-x64 beside them: the message says so.
        StringAssert.Contains(ex.Message, "A libtorch was found (");
        StringAssert.Contains(ex.Message, "libtorch_cpu.so) but did not load");
        StringAssert.Contains(ex.Message, "Cause: NotSupportedException: This application or script uses TorchSharp");
        Assert.IsFalse(ex.Message.Contains("Failed to load native component"), "only the first line of TorchSharp's trace is kept");
        Assert.IsInstanceOfType<NotSupportedException>(ex.InnerException);
        // Every later call fails the same way, not with a TorchSharp error from deeper down.
        Assert.ThrowsExactly<TorchNativeLibraryException>(() => CnnMl.Architectures.CnnArchitectures.Get("lenet5").Create());
    }

    [TestMethod]
    public void WithoutAnyLibTorchTheMessageNamesThePackagesToAdd()
    {
        var message = TorchLoadAdvice.Describe(new NotSupportedException("no libtorch"),
            new TorchNativeFacts(IsLinux: true, LibStdCxx: "/lib/libstdc++.so.6", HasRequiredGlibcxx: true, LibTorch: null, Backend: "cpu"));

        StringAssert.Contains(message, "'dotnet add package libtorch-cpu-linux-x64 --version 2.10.0'");
        foreach (var package in new[] { "libtorch-cpu-win-x64", "libtorch-cpu-osx-arm64", "TorchSharp-cpu 0.107.0", "CUDA libtorch" })
            StringAssert.Contains(message, package);
        StringAssert.Contains(message, "LD_LIBRARY_PATH");
        StringAssert.EndsWith(message, "Cause: NotSupportedException: no libtorch");
        Assert.IsFalse(message.Contains("GLIBCXX"), "libstdc++ is fine here: the message must not send the user after it");
        Assert.IsFalse(message.Contains("scripts/"), "a package consumer has no clone of the repository");
    }

    [TestMethod]
    public void OnALinuxWithoutTheSymbolTheMessageSaysHowToInstallIt()
    {
        var message = TorchLoadAdvice.Describe(new DllNotFoundException("libLibTorchSharp.so: version `GLIBCXX_3.4.32' not found"),
            new TorchNativeFacts(IsLinux: true, LibStdCxx: "/lib/x86_64-linux-gnu/libstdc++.so.6", HasRequiredGlibcxx: false, LibTorch: null, Backend: "cpu"));

        StringAssert.Contains(message, "needs GLIBCXX_3.4.32 (libstdc++ from GCC 13 or newer), and this system's libstdc++ (/lib/x86_64-linux-gnu/libstdc++.so.6) lacks it");
        StringAssert.Contains(message, "Pin: release n=trixie");
        StringAssert.Contains(message, "apt-get install -t trixie libstdc++6");
        // No libtorch either: both fixes are named, the prerequisite first.
        Assert.IsTrue(message.IndexOf("GLIBCXX", StringComparison.Ordinal) < message.IndexOf("libtorch-cpu-linux-x64", StringComparison.Ordinal));
    }

    [TestMethod]
    public void TheSystemBuildPointsAtLdLibraryPath()
    {
        var message = TorchLoadAdvice.Describe(new NotSupportedException("x"),
            new TorchNativeFacts(IsLinux: true, LibStdCxx: "/lib/libstdc++.so.6", HasRequiredGlibcxx: true, LibTorch: null, Backend: "system"));

        StringAssert.Contains(message, "TorchBackend=system");
        StringAssert.Contains(message, "export LD_LIBRARY_PATH=");
        Assert.IsFalse(message.Contains("dotnet add package"));
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
