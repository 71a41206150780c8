using CnnMl.Architectures;
using CnnMl.Inspection;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Tests.Inspection;

[TestClass]
public sealed class MacCounterTests
{
    [TestMethod]
    public void Conv3dOfTheDocumentCountsOutputTimesFanIn()
    {
        // The source document's Conv3d(16, 33, (3,3,3), padding=1): output 33×10×50×100, each a 16·27-term dot product.
        using var conv = Conv3d(16, 33, 3, padding: 1);
        Assert.AreEqual(33L * 10 * 50 * 100 * 16 * 27, Macs(conv, 16, 10, 50, 100));
    }

    [TestMethod]
    public void GroupedStridedDilatedConv2dCountsOnlyItsGroupsChannels()
    {
        // 8→16, k3, stride 2, dilation 2, padding 2, 4 groups on 32×32: output 16×16×16, fan-in (8/4)·9.
        using var conv = Conv2d(8, 16, 3, stride: 2, padding: 2, dilation: 2, groups: 4);
        Assert.AreEqual(16L * 16 * 16 * 2 * 9, Macs(conv, 8, 32, 32));
    }

    [TestMethod]
    public void DepthwiseConvHasFanInOfOneChannel()
    {
        using var conv = Conv2d(32, 32, 3, padding: 1, groups: 32, bias: false);
        Assert.AreEqual(32L * 20 * 20 * 9, Macs(conv, 32, 20, 20));
    }

    [TestMethod]
    public void Conv1dCountsItsKernel()
    {
        using var conv = Conv1d(4, 6, 5);
        Assert.AreEqual(6L * 16 * 4 * 5, Macs(conv, 4, 20));
    }

    [TestMethod]
    public void TransposedConvCountsInputTimesFanOut()
    {
        // Every one of the 4·5·5 input values is scattered into 8 channels × 3×3 positions.
        using var conv = ConvTranspose2d(4, 8, 3, stride: 2);
        Assert.AreEqual(4L * 5 * 5 * 8 * 9, Macs(conv, 4, 5, 5));
    }

    [TestMethod]
    public void LinearCountsOutputTimesInFeaturesWithoutBias()
    {
        using var linear = Linear(30, 7);
        Assert.AreEqual(7L * 30, Macs(linear, 30));
    }

    [TestMethod]
    public void ParameterFreeModulesAreFree()
    {
        using var pool = MaxPool2d(2);
        using var relu = ReLU();
        using var bn = BatchNorm2d(4);
        Assert.AreEqual(0L, Macs(pool, 4, 8, 8));
        Assert.AreEqual(0L, Macs(relu, 4, 8, 8));
        Assert.AreEqual(0L, Macs(bn, 4, 8, 8));
    }

    [TestMethod]
    public void AModuleCanReportItsOwnMacs()
    {
        using var module = new FunctionalConv();
        var summary = ModelSummary.Of(module, new ImageShape(2, 6, 6));
        Assert.AreEqual(FunctionalConv.Reported, summary.Layers[0].Macs);
        Assert.AreEqual(FunctionalConv.Reported, summary.Macs);
    }

    private static long Macs(Module<Tensor, Tensor> module, params long[] example)
    {
        using var scope = NewDisposeScope();
        var input = zeros([1, .. example]);
        var output = module.call(input);
        return MacCounter.Count(module, input, output);
    }

    /// <summary>Convolves through the functional API, which no rule can see, and says what it costs.</summary>
    private sealed class FunctionalConv : Module<Tensor, Tensor>, ICountsOwnMacs
    {
        public const long Reported = 12_345;
        private readonly TorchSharp.Modules.Parameter weight = new(randn(3, 2, 3, 3));

        public FunctionalConv() : base(nameof(FunctionalConv)) => RegisterComponents();

        public override Tensor forward(Tensor x) => functional.conv2d(x, weight);

        public long CountOwnMacs(Tensor input, Tensor output) => Reported;
    }
}
