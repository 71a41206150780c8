using CnnMl.Architectures;
using CnnMl.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Tests.Architectures;

[TestClass]
public sealed class CondenseNetConversionTests
{
    [TestMethod]
    [DataRow(CnnArchitectures.CondenseNet)]
    [DataRow(CnnArchitectures.CondenseNet86)]
    public void CondensedModelComputesTheMaskedModelsOutputs(string name)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var architecture = CnnArchitectures.Get(name);
        using var net = (CondenseNet)architecture.Create();
        Randomize(net);
        foreach (var conv in net.LearnedGroupConvs) conv.CondenseTo(1.0);
        net.eval();
        var x = randn(architecture.DefaultInput.WithBatch(2));
        using var noGrad = no_grad();
        var masked = net.call(x);

        using var condensed = net.Condense(pruneClassifier: false);
        var y = condensed.call(x);
        CollectionAssert.AreEqual(masked.shape, y.shape);
        var tolerance = 1e-5 * Math.Max(1.0, masked.abs().max().item<float>());
        Assert.IsLessThanOrEqualTo(tolerance, (y - masked).abs().max().item<float>());
        Assert.IsFalse(condensed.training, "the condensed model is returned in eval mode");
    }

    [TestMethod]
    public void CondensedModelOwnsItsTensors()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var net = (CondenseNet)CnnArchitectures.Get(CnnArchitectures.CondenseNet).Create();
        Randomize(net);
        foreach (var conv in net.LearnedGroupConvs) conv.CondenseTo(1.0);
        net.eval();
        var x = rand(2, 1, 28, 28);
        using var noGrad = no_grad();
        var expected = net.call(x);
        using var condensed = (nn.Module<Tensor, Tensor>)((IConvertibleAfterTraining)net).ConvertForInference();
        using var whole = net.Condense(pruneClassifier: false);
        net.Dispose();
        Assert.IsInstanceOfType<CondensedCondenseNet>(condensed);
        var y = whole.call(x);
        Assert.IsLessThanOrEqualTo(1e-5 * Math.Max(1.0, expected.abs().max().item<float>()), (y - expected).abs().max().item<float>());
        CollectionAssert.AreEqual(new long[] { 2, 10 }, condensed.call(x).shape);
    }

    [TestMethod]
    public void CondenseConvReadsTheKeptInputsGroupAfterGroup()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        using var learned = new LearnedGroupConv(16, 8, 4);
        learned.CondenseTo(1.0);
        using var condensed = CondenseConv.FromLearned(learned);
        var kept = learned.KeptInputsPerGroup();
        CollectionAssert.AreEqual(kept.SelectMany(k => k).ToArray(), condensed.Index.data<long>().ToArray());
        for (var g = 0; g < 4; g++)
        {
            var groupMask = learned.GroupMask()[g].data<float>().ToArray();
            CollectionAssert.AreEqual(
                Enumerable.Range(0, 16).Where(j => groupMask[j] == 1f).Select(j => (long)j).ToArray(), kept[g], $"group {g}");
        }
        CollectionAssert.AreEquivalent(
            new[] { "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var", "norm.num_batches_tracked", "conv.weight", "index" },
            condensed.state_dict().Keys.ToArray());
        Assert.AreEqual(8L * 4, condensed.parameters().Sum(p => p.numel()) - 2 * 16); // conv 8 × (16/4), BN 2 × 16
    }

    [TestMethod]
    public void ClassifierKeepsItsStrongestHalfOfInputs()
    {
        using var scope = NewDisposeScope();
        manual_seed(9);
        using var linear = Linear(10, 3);
        var w = linear.weight.data<float>().ToArray();
        var importance = Enumerable.Range(0, 10).Select(j => Enumerable.Range(0, 3).Sum(o => Math.Abs(w[o * 10 + j]))).ToArray();
        var strongest = Enumerable.Range(0, 10).OrderBy(j => importance[j]).Skip(5).Select(j => (long)j).ToArray();

        using var condensed = CondenseLinear.FromLinear(linear);
        Assert.AreEqual(5L, condensed.InFeatures);
        CollectionAssert.AreEqual(strongest, condensed.Index.data<long>().ToArray(), "top half by L1 column norm, least important first (official order)");

        var x = randn(4, 10);
        var y = condensed.call(x);
        CollectionAssert.AreEqual(new long[] { 4, 3 }, y.shape);
        // Same as the full layer on inputs whose weak half is zeroed.
        var keep = zeros(10);
        keep.index_fill_(0, tensor(strongest), 1);
        var expected = linear.call(x * keep);
        Assert.IsLessThanOrEqualTo(1e-5, (y - expected).abs().max().item<float>());

        using var odd = CondenseLinear.FromLinear(Linear(11, 2));
        Assert.AreEqual(5L, odd.InFeatures, "int(11 · 0.5) = 5 as in the official code");
    }

    [TestMethod]
    public void CondensedNetworkPrunesTheClassifierByDefault()
    {
        using var scope = NewDisposeScope();
        using var net = (CondenseNet)CnnArchitectures.Get(CnnArchitectures.CondenseNet).Create();
        using var condensed = net.Condense();
        var features = CondenseNetConfiguration.Mnist.FeatureChannels;
        Assert.AreEqual(16 + 3 * (8 + 16 + 32), features);
        Assert.AreEqual(features / 2L, condensed.Classifier.InFeatures);
        CollectionAssert.AreEqual(new long[] { 2, 10 }, condensed.call(rand(2, 1, 28, 28)).shape);
        Assert.IsLessThan(
            net.parameters().Sum(p => p.numel()),
            condensed.parameters().Sum(p => p.numel()));
    }

    /// <summary>Random weights and batch-norm statistics, so that every layer matters in eval mode.</summary>
    private static void Randomize(nn.Module net)
    {
        using var noGrad = no_grad();
        foreach (var module in net.modules())
        {
            if (module is BatchNorm2d norm)
            {
                norm.weight.uniform_(0.5, 1.5);
                norm.bias!.normal_(0, 0.2);
                norm.running_mean!.normal_(0, 0.2);
                norm.running_var!.uniform_(0.5, 1.5);
            }
        }
    }
}
