using CnnMl.Architectures;
using CnnMl.Inspection;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

/// <summary>
/// Structure of CondenseNet against the official implementation (github.com/ShichenLiu/CondenseNet @ 833a91d).
/// Reference numbers were computed with the official code under Debian's python3-torch 1.13 (CPU) by
/// Fixtures/condensenet/reference_counts.py:
/// <c>models.condensenet.CondenseNet(args)</c> (training form) and <c>models.condensenet_converted.CondenseNet(args)</c>
/// (condensed form), args = stages, growth, bottleneck 4, group_1x1 4, group_3x3 4, condense_factor 4,
/// data 'cifar10' (10 classes) or ImageNet (1000 classes); parameters = <c>sum(p.numel() for p in model.parameters())</c>,
/// identical for <c>utils.convert_model</c> applied to the training form after its last stage. MACs by forward hooks
/// on one zero image (3×32×32 or 3×224×224): Conv2d = out.numel() × in/groups × kh × kw, Linear = in × out,
/// LearnedGroupConv (whose forward calls F.conv2d itself) = out.numel() × in_channels — the convention of
/// <see cref="ModelSummary"/>.
/// </summary>
[TestClass]
public sealed class CondenseNetTests
{
    // Official models/condensenet.py (training form, dense masked 1×1 convs).
    private const long CondenseNet86TrainingParameters = 1_451_594;
    private const long CondenseNet74TrainingParameters = 11_922_680;
    // Official models/condensenet_converted.py (condensed form): the paper's 0.52 M and 4.8 M.
    private const long CondenseNet86CondensedParameters = 516_202;
    private const long CondenseNet74CondensedParameters = 4_773_944;
    // Conv + linear MACs of the official converted models (utils.measure_model, which also counts ReLU and pooling, gives 65.8 M and 529.3 M).
    private const long CondenseNet86CondensedMacs = 62_377_888;
    private const long CondenseNet74CondensedMacs = 516_640_576;
    // Same hook count on the official training form (the masked 1×1 convs at full width).
    private const long CondenseNet86TrainingMacs = 173_858_624;
    private const long CondenseNet74TrainingMacs = 1_267_904_128;

    private static long ParameterCount(nn.Module module) => module.parameters().Sum(p => p.numel());

    [TestMethod]
    [DataRow(CnnArchitectures.CondenseNet86, CondenseNet86TrainingParameters, CondenseNet86TrainingMacs)]
    [DataRow(CnnArchitectures.CondenseNet74, CondenseNet74TrainingParameters, CondenseNet74TrainingMacs)]
    public void TrainingFormMatchesTheOfficialModel(string name, long parameters, long macs)
    {
        var architecture = CnnArchitectures.Get(name);
        using var net = architecture.Create();
        Assert.IsInstanceOfType<CondenseNet>(net);
        Assert.AreEqual(parameters, ParameterCount(net));
        var summary = ModelSummary.Of(net, architecture.DefaultInput, name);
        Assert.AreEqual(parameters, summary.TotalParameters);
        Assert.AreEqual(macs, summary.Macs);
    }

    [TestMethod]
    [DataRow(CnnArchitectures.CondenseNet86, CondenseNet86CondensedParameters, CondenseNet86CondensedMacs)]
    [DataRow(CnnArchitectures.CondenseNet74, CondenseNet74CondensedParameters, CondenseNet74CondensedMacs)]
    public void CondensedFormMatchesTheOfficialConvertedModel(string name, long parameters, long macs)
    {
        var architecture = CnnArchitectures.Get(name);
        using var net = (CondenseNet)architecture.Create();
        using var condensed = net.Condense();
        Assert.AreEqual(parameters, ParameterCount(condensed));
        var summary = ModelSummary.Of(condensed, architecture.DefaultInput, name);
        Assert.AreEqual(parameters, summary.TotalParameters);
        Assert.AreEqual(macs, summary.Macs);

        // Built empty from the configuration, as the official condensenet_converted.py does.
        using var empty = new CondensedCondenseNet(net.Configuration, architecture.DefaultInput, architecture.DefaultClasses);
        Assert.AreEqual(parameters, ParameterCount(empty));
    }

    [TestMethod]
    public void StateDictNamesAreTheOfficialOnes()
    {
        using var net = (CondenseNet)CnnArchitectures.Get(CnnArchitectures.CondenseNet86).Create();
        using var condensed = net.Condense();
        var training = net.state_dict().Keys.ToHashSet();
        var converted = condensed.state_dict().Keys.ToHashSet();
        // Official state_dict sizes (PyTorch 1.13, including num_batches_tracked): 638 and 555 entries.
        Assert.AreEqual(638, training.Count);
        Assert.AreEqual(555, converted.Count);
        const string layer = "features.denseblock_1.denselayer_1.";
        foreach (var key in new[]
                 {
                     "features.init_conv.weight", layer + "conv_1._count", layer + "conv_1._stage", layer + "conv_1._mask",
                     layer + "conv_1.norm.running_var", layer + "conv_1.conv.weight", layer + "conv_2.norm.weight", layer + "conv_2.conv.weight",
                     "features.denseblock_3.denselayer_14.conv_2.conv.weight", "features.norm_last.num_batches_tracked",
                     "classifier.weight", "classifier.bias",
                 })
            Assert.Contains(key, training);
        foreach (var key in new[]
                 {
                     layer + "conv_1.index", layer + "conv_1.norm.weight", layer + "conv_1.conv.weight",
                     "classifier.index", "classifier.linear.weight", "classifier.linear.bias",
                 })
            Assert.Contains(key, converted);
    }

    [TestMethod]
    public void LayerShapesFollowTheConfiguration()
    {
        using var net = (CondenseNet)CnnArchitectures.Get(CnnArchitectures.CondenseNet86).Create();
        Assert.HasCount(42, net.LearnedGroupConvs);
        var first = net.LearnedGroupConvs[0];
        Assert.AreEqual(16L, first.InChannels);   // stem 2·k₀
        Assert.AreEqual(32L, first.OutChannels);  // bottleneck 4 · k 8
        var last = net.LearnedGroupConvs[^1];
        Assert.AreEqual(16L + 14 * 8 + 14 * 16 + 13 * 32, last.InChannels);
        Assert.AreEqual(128L, last.OutChannels);
        CollectionAssert.AreEqual(new long[] { 10, 16 + 14 * (8 + 16 + 32) }, net.Classifier.weight.shape);

        using var condensed = net.Condense();
        CollectionAssert.AreEqual(new long[] { 32, 4, 1, 1 }, condensed.CondenseConvs[0].named_parameters().Single(p => p.name == "conv.weight").parameter.shape);
        Assert.AreEqual((16L + 14 * 56) / 2, condensed.Classifier.InFeatures);
    }

    [TestMethod]
    public void MapsBatchesToLogits()
    {
        using var scope = NewDisposeScope();
        using var cifar = CnnArchitectures.Get(CnnArchitectures.CondenseNet86).Create();
        CollectionAssert.AreEqual(new long[] { 2, 10 }, cifar.call(rand(2, 3, 32, 32)).shape);
        using var mnist = CnnArchitectures.Get(CnnArchitectures.CondenseNet).Create();
        CollectionAssert.AreEqual(new long[] { 3, 10 }, mnist.call(rand(3, 1, 28, 28)).shape);
        using var other = CnnArchitectures.Get(CnnArchitectures.CondenseNet).Create(new ImageShape(3, 40, 36), 5);
        CollectionAssert.AreEqual(new long[] { 2, 5 }, other.call(rand(2, 3, 40, 36)).shape);
    }

    [TestMethod]
    public void RegistersThreeNetworksWithTheirDesignInputs()
    {
        Assert.AreEqual(new ImageShape(1, 28, 28), CnnArchitectures.Get(CnnArchitectures.CondenseNet).DefaultInput);
        Assert.AreEqual(new ImageShape(3, 32, 32), CnnArchitectures.Get(CnnArchitectures.CondenseNet86).DefaultInput);
        Assert.AreEqual(new ImageShape(3, 224, 224), CnnArchitectures.Get(CnnArchitectures.CondenseNet74).DefaultInput);
        Assert.AreEqual(1000, CnnArchitectures.Get(CnnArchitectures.CondenseNet74).DefaultClasses);
        Assert.AreEqual(10, CnnArchitectures.Get(CnnArchitectures.CondenseNet86).DefaultClasses);
    }

    [TestMethod]
    public void RejectsAnInputTheTransitionsCannotTake()
    {
        // condensenet74: stem stride 2 and four transitions need (2⁴ − 1)·2 + 1 = 31 pixels.
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CnnArchitectures.Get(CnnArchitectures.CondenseNet74).Create(new ImageShape(3, 30, 64), 10));
        StringAssert.Contains(ex.Message, "'condensenet74' cannot take input 3x30x64");
        StringAssert.Contains(ex.Message, "at least 31");
    }

    [TestMethod]
    public void RejectsAConfigurationWhoseChannelsDoNotSplitIntoGroups()
    {
        // Stem 12 channels, then 12 + 6 = 18 inputs to the second layer: not divisible by G = C = 4.
        var bad = CondenseNetConfiguration.Mnist with { Growth = [6, 16, 32], Group3x3 = 2 };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new CondenseNet(bad, new ImageShape(1, 28, 28), 10));
        StringAssert.Contains(ex.Message, "block 1 layer 2");
        StringAssert.Contains(ex.Message, "18 input channels");
    }
}
