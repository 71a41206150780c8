using CnnMl.Samples.ConvFromScratch;

namespace CnnMl.Tests.Samples;

[TestClass]
public sealed class ConvComparisonTests
{
    [TestMethod]
    public void ReproducesTheDocumentsCountsByFormulaAndByModules()
    {
        var report = ConvComparison.Report(32, 64, 3, 8);

        Assert.AreEqual(18_432L, report.Regular.FromFormula);
        Assert.AreEqual(18_432L, report.Regular.FromModules);
        Assert.AreEqual(2_336L, report.DepthwiseSeparable.FromFormula);
        Assert.AreEqual(2_336L, report.DepthwiseSeparable.FromModules);
        Assert.AreEqual(2_304L, report.Group.FromFormula);
        Assert.AreEqual(2_304L, report.Group.FromModules);
        Assert.IsTrue(report.AllAgree);
        Assert.AreEqual(1.0 / 64 + 1.0 / 9, report.DepthwiseSeparableRatio, 1e-12);
        Assert.AreEqual(1.0 / 8, report.GroupRatio, 1e-12);
        Assert.AreEqual("Conv2d(32, 32, 3, groups=32, bias=False) + Conv2d(32, 64, 1, bias=False)", report.DepthwiseSeparable.Modules);
    }

    [TestMethod]
    public void GroupConvolutionOfTheDocumentsShape()
    {
        var report = ConvComparison.Report(64, 128, 3, 8);
        Assert.AreEqual(9_216L, report.Group.FromFormula);
        Assert.AreEqual(9_216L, report.Group.FromModules);
        Assert.AreEqual(73_728L, report.Regular.FromModules);
    }

    [TestMethod]
    public void BiasesAreAddedToBothCounts()
    {
        var report = ConvComparison.Report(32, 64, 3, 8, bias: true);
        Assert.AreEqual(18_432L + 64, report.Regular.FromModules);
        Assert.AreEqual(2_336L + 32 + 64, report.DepthwiseSeparable.FromModules);
        Assert.AreEqual(2_304L + 64, report.Group.FromModules);
        Assert.IsTrue(report.AllAgree);
    }

    [TestMethod]
    public void TextShowsFormulasCountsAndRatios()
    {
        var lines = ConvComparison.Report(32, 64, 3, 8).ToString().Split('\n');
        Assert.HasCount(4, lines);
        Assert.AreEqual("Parameters of a 3×3 convolution from M = 32 to N = 64 channels (no bias)", lines[0]);
        Assert.AreEqual("regular              k·k·M·N      = 18,432  modules 18,432  × regular: 1", lines[1]);
        Assert.AreEqual("depthwise separable  k·k·M + M·N  =  2,336  modules  2,336  × regular: 0.1267  (1/N + 1/k²)", lines[2]);
        Assert.AreEqual("group (g = 8)        k·k·M·N/g    =  2,304  modules  2,304  × regular: 0.1250  (1/g)", lines[3]);
    }

    [TestMethod]
    public void ChannelsNotDivisibleByGroupsAreRejectedBeforeBuildingModules()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ConvComparison.Report(30, 64, 3, 8));
        StringAssert.Contains(ex.Message, "divisible by 8");
    }
}
