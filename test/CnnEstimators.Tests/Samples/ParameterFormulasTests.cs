using CnnMl.Samples.ConvFromScratch;
using static TorchSharp.torch;

namespace CnnMl.Tests.Samples;

[TestClass]
public sealed class ParameterFormulasTests
{
    [TestMethod]
    public void DocumentExamples()
    {
        // k·k·M·N, k·k·M + M·N, k·k·c1·c2/g
        Assert.AreEqual(18_432L, ParameterFormulas.Convolution(3, 2, 32, 64, bias: false));
        Assert.AreEqual(2_336L, ParameterFormulas.DepthwiseSeparable(3, 32, 64, bias: false));
        Assert.AreEqual(9_216L, ParameterFormulas.GroupConvolution(3, 64, 128, 8, bias: false));
        Assert.AreEqual(48_120L, ParameterFormulas.Linear(400, 120, bias: true));
        Assert.AreEqual(48_000L, ParameterFormulas.Linear(400, 120, bias: false));
    }

    [TestMethod]
    public void ConvolutionFormulaMatchesRealModulesOnAGrid()
    {
        var checkedModules = 0;
        foreach (var rank in new[] { 1, 2, 3 })
        foreach (var k in new long[] { 1, 3, 5 })
        foreach (var g in new long[] { 1, 2, 4 })
        foreach (var cin in new long[] { 4, 8 })
        foreach (var cout in new long[] { 4, 12 })
        foreach (var bias in new[] { false, true })
        {
            using var conv = rank switch
            {
                1 => (nn.Module)nn.Conv1d(cin, cout, k, groups: g, bias: bias),
                2 => nn.Conv2d(cin, cout, k, groups: g, bias: bias),
                _ => nn.Conv3d(cin, cout, k, groups: g, bias: bias),
            };
            var expected = conv.parameters().Sum(p => p.numel());
            Assert.AreEqual(expected, ParameterFormulas.Convolution(k, rank, cin, cout, bias, g),
                $"Conv{rank}d({cin}, {cout}, {k}, groups={g}, bias={bias})");
            checkedModules++;
        }
        Assert.AreEqual(3 * 3 * 3 * 2 * 2 * 2, checkedModules);
    }

    [TestMethod]
    public void NonCubicKernelsMultiplyTheirSides()
    {
        using var conv2 = nn.Conv2d(6, 10, (3, 5), groups: 2);
        using var conv3 = nn.Conv3d(4, 8, (3, 1, 2), bias: false);
        Assert.AreEqual(conv2.parameters().Sum(p => p.numel()), ParameterFormulas.Convolution([3, 5], 6, 10, bias: true, groups: 2));
        Assert.AreEqual(conv3.parameters().Sum(p => p.numel()), ParameterFormulas.Convolution([3, 1, 2], 4, 8, bias: false));
        Assert.AreEqual(3L * 5 * 3 * 10 + 10, ParameterFormulas.Convolution([3, 5], 6, 10, bias: true, groups: 2));
    }

    [TestMethod]
    public void DepthwiseSeparableMatchesItsTwoModulesIn1d2d3d()
    {
        foreach (var rank in new[] { 1, 2, 3 })
        foreach (var bias in new[] { false, true })
        {
            using var depthwise = Conv(rank, 6, 6, 3, 6, bias);
            using var pointwise = Conv(rank, 6, 10, 1, 1, bias);
            var expected = depthwise.parameters().Concat(pointwise.parameters()).Sum(p => p.numel());
            Assert.AreEqual(expected, ParameterFormulas.DepthwiseSeparable(3, 6, 10, bias, rank), $"rank {rank}, bias {bias}");
        }
    }

    [TestMethod]
    public void LinearFormulaMatchesTheModule()
    {
        using var withBias = nn.Linear(84, 10);
        using var without = nn.Linear(84, 10, hasBias: false);
        Assert.AreEqual(withBias.parameters().Sum(p => p.numel()), ParameterFormulas.Linear(84, 10, bias: true));
        Assert.AreEqual(without.parameters().Sum(p => p.numel()), ParameterFormulas.Linear(84, 10, bias: false));
    }

    [TestMethod]
    public void ChannelsNotDivisibleByGroupsAreRejected()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ParameterFormulas.GroupConvolution(3, 30, 64, 8, bias: false));
        StringAssert.Contains(ex.Message, "divisible by 8; got 30 → 64");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ParameterFormulas.Convolution(0, 2, 3, 3, bias: false));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ParameterFormulas.Convolution(3, 0, 3, 3, bias: false));
        Assert.ThrowsExactly<ArgumentException>(() => ParameterFormulas.Convolution([], 3, 3, bias: false));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ParameterFormulas.Linear(0, 3, bias: true));
    }

    private static nn.Module Conv(int rank, long cin, long cout, long k, long groups, bool bias) => rank switch
    {
        1 => nn.Conv1d(cin, cout, k, groups: groups, bias: bias),
        2 => nn.Conv2d(cin, cout, k, groups: groups, bias: bias),
        _ => nn.Conv3d(cin, cout, k, groups: groups, bias: bias),
    };
}
