using CnnMl.Architectures;
using Microsoft.ML.TorchSharp.AutoFormerV2;
using static TorchSharp.torch;

namespace CnnMl.Tests.Interop;

/// <summary>
/// Microsoft.ML.TorchSharp 0.24.0 (like 0.23.1) was compiled against TorchSharp 0.102.7; the restore unifies it to
/// 0.107.0. Its public modules must still run, in the same process as CnnMl's networks.
/// </summary>
[TestClass]
public sealed class MicrosoftMlTorchSharpTests
{
    [TestMethod]
    public void BothLibrariesShareTorchSharp0107()
    {
        var ours = typeof(Tensor).Assembly.GetName();
        Assert.AreEqual("TorchSharp", ours.Name);
        Assert.AreEqual(new Version(0, 107, 0, 0), ours.Version);
        var referenced = typeof(MBConv).Assembly.GetReferencedAssemblies().Single(a => a.Name == "TorchSharp");
        Assert.AreEqual(new Version(0, 102, 7, 0), referenced.Version, "Microsoft.ML.TorchSharp's compile-time TorchSharp");
    }

    [TestMethod]
    public void AutoFormerMbConvRunsBesideOurNetwork()
    {
        using var scope = NewDisposeScope();
        using var mbconv = new MBConv(16, 16, 4.0);
        mbconv.eval();
        var y = mbconv.forward(rand(2, 16, 14, 14));
        CollectionAssert.AreEqual(new long[] { 2, 16, 14, 14 }, y.shape);
        Assert.IsTrue(y.isfinite().all().item<bool>());

        using var ours = CnnArchitectures.Get(CnnArchitectures.MnistCnn).Create();
        CollectionAssert.AreEqual(new long[] { 2, 10 }, ours.call(rand(2, 1, 28, 28)).shape);
    }

    [TestMethod]
    public void ConvModulesRun()
    {
        using var scope = NewDisposeScope();
        using var conv = new Conv2dBN(8, 16);
        CollectionAssert.AreEqual(new long[] { 1, 16, 10, 10 }, conv.forward(rand(1, 8, 10, 10)).shape);
        using var module = new ConvModule(8, 4, kernelSize: 3, stride: 1, padding: 1);
        CollectionAssert.AreEqual(new long[] { 1, 4, 10, 10 }, module.forward(rand(1, 8, 10, 10)).shape);
    }
}
