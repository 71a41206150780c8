using CnnMl.Architectures;
using CnnMl.Inspection;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.Inspection;

/// <summary>
/// The registry's ImageNet builders summarized at their default input (3×224×224, 1000 classes): torchvision's
/// published parameter counts exactly, and its "GFLOPS" (which are multiply-accumulates) within 1%. The summaries
/// are shared with ImageNetNetworkTests (<see cref="ImageNetSummaries"/>: computed once per run).
/// </summary>
[TestClass]
public sealed class ZooSummaryTests
{
    [TestMethod]
    [DataRow(CnnArchitectures.ResNet18, 11_689_512L, 1.81)]
    [DataRow(CnnArchitectures.ResNet50, 25_557_032L, 4.09)]
    [DataRow(CnnArchitectures.ResNeXt50_32x4d, 25_028_904L, 4.23)]
    [DataRow(CnnArchitectures.MobileNetV2, 3_504_872L, 0.30)]
    public void RegistryBuilderMatchesTorchvisionsPublishedFigures(string architecture, long parameters, double gmacs)
    {
        var summary = ImageNetSummaries.OfRegistry(architecture).Summary;
        Assert.AreEqual(new ImageShape(3, 224, 224), summary.Input);
        Assert.AreEqual(parameters, summary.TotalParameters);
        Assert.AreEqual(parameters, summary.TrainableParameters);
        Assert.AreEqual(gmacs, summary.Macs / 1e9, gmacs * 0.01, $"{architecture}: {summary.Macs:N0} MACs");
        CollectionAssert.AreEqual(new long[] { 1, 1000 }, summary.OutputShape.ToArray());
    }
}
