using CnnMl.Architectures;
using CnnMl.Training;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

[TestClass]
public sealed class CondenseNetLearnedGroupConvTests
{
    private const int In = 16;
    private const int Out = 12;
    private const int G = 4;
    private const int C = 4;
    private const int Delta = In / C; // inputs each group drops per stage

    [TestMethod]
    public void ScheduleSpreadsTheStagesOverTheFirstHalfOfTraining()
    {
        // Official _check_drop: stage s from progress s / (2 (C − 1)).
        var expected = new (double progress, int stage)[] { (0, 0), (0.16, 0), (0.17, 1), (0.33, 1), (0.34, 2), (0.49, 2), (0.5, 3), (0.99, 3) };
        foreach (var (progress, stage) in expected)
            Assert.AreEqual(stage, LearnedGroupConv.StageAt(progress, 4), $"progress {progress}");
        Assert.AreEqual(0, LearnedGroupConv.StageAt(0.9, 1));
        Assert.AreEqual(6, LearnedGroupConv.StageAt(0.49, 8));
        Assert.AreEqual(7, LearnedGroupConv.StageAt(0.5, 8));
    }

    [TestMethod]
    public void FullProgressScheduleDropsTheLowestL1InputsOfEveryGroup()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var conv = new LearnedGroupConv(In, Out, G, C);
        const int batches = 24;
        var stageStarts = new Dictionary<int, int> { [4] = 1, [8] = 2, [12] = 3 }; // batch b / 24 ≥ s / 6
        var kept = Enumerable.Range(0, G).Select(_ => Enumerable.Range(0, In).ToHashSet()).ToArray();

        for (var batch = 0; batch < batches; batch++)
        {
            if (stageStarts.TryGetValue(batch, out var stage))
            {
                // Fresh weights before every stage, as training would change them: importance is measured now.
                using (no_grad()) conv.Weight.copy_(randn(Out, In, 1, 1));
                var w = conv.Weight.data<float>().ToArray();
                for (var g = 0; g < G; g++)
                {
                    var group = g;
                    double Importance(int j) => Enumerable.Range(0, Out).Where(o => o % G == group).Sum(o => Math.Abs(w[o * In + j]));
                    foreach (var j in kept[g].OrderBy(Importance).Take(Delta).ToArray()) kept[g].Remove(j);
                }
                conv.OnTrainingProgress(new TrainingProgress(0, batch, batches, 1));
                Assert.AreEqual(stage, conv.Stage, $"batch {batch}");
                Assert.AreEqual((long)stage * Delta, conv.DroppedPerGroup);
            }
            else
            {
                conv.OnTrainingProgress(new TrainingProgress(0, batch, batches, 1));
            }
            AssertMask(conv, kept, $"after batch {batch}");
        }

        Assert.AreEqual(3, conv.Stage);
        Assert.IsTrue(kept.All(k => k.Count == In / C));
        var final = conv.KeptInputsPerGroup();
        for (var g = 0; g < G; g++)
            CollectionAssert.AreEqual(kept[g].Order().Select(j => (long)j).ToArray(), final[g], $"group {g}");
    }

    [TestMethod]
    public void DroppedInputsNoLongerReachTheOutput()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var conv = new LearnedGroupConv(In, Out, G, C);
        conv.eval();
        conv.CondenseTo(1.0);
        var x = randn(2, In, 5, 5);
        var before = conv.call(x);
        using (no_grad()) conv.Weight.add_(randn(Out, In, 1, 1).mul_(100).mul_(1 - conv.Mask));
        var after = conv.call(x);
        Assert.AreEqual(0.0, (after - before).abs().max().item<float>(), 1e-6);
        // Every output reads exactly In / C inputs.
        CollectionAssert.AreEqual(Enumerable.Repeat(In / C, Out).ToArray(),
            conv.Mask.view(Out, In).sum(dim: 1).to_type(ScalarType.Int32).data<int>().ToArray());
    }

    [TestMethod]
    public void LassoLossIsTheOfficialGroupNormSumUntilTheFinalStage()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var conv = new LearnedGroupConv(In, Out, G, C);
        conv.CondenseTo(0.2); // stage 1: some inputs masked
        var w = conv.Weight.data<float>().ToArray();
        var m = conv.Mask.data<float>().ToArray();
        double expected = 0;
        for (var g = 0; g < G; g++)
        for (var j = 0; j < In; j++)
        {
            double sq = 0;
            for (var o = g; o < Out; o += G) sq += Math.Pow(w[o * In + j] * m[o * In + j], 2);
            expected += Math.Sqrt(Math.Max(sq, 1e-6));
        }
        Assert.AreEqual(expected, conv.LassoLoss().item<float>(), expected * 1e-5);

        Assert.IsNull(conv.ComputeLossTerm(), "off by default (official group_lasso_lambda = 0)");
        conv.GroupLassoLambda = 1e-3;
        var term = conv.ComputeLossTerm();
        Assert.IsNotNull(term);
        Assert.AreEqual(expected * 1e-3, term.item<float>(), expected * 1e-8);
        term.backward();
        Assert.IsNotNull(conv.Weight.grad);
        Assert.IsGreaterThan(0f, conv.Weight.grad!.abs().sum().item<float>());

        conv.CondenseTo(0.5);
        Assert.AreEqual(0f, conv.LassoLoss().item<float>());
        Assert.IsNull(conv.ComputeLossTerm(), "mask fixed after the final stage");
    }

    [TestMethod]
    public void MaskAndStageTravelInTheStateDict()
    {
        using var scope = NewDisposeScope();
        using var trained = new LearnedGroupConv(In, Out, G, C);
        trained.CondenseTo(0.4);
        CollectionAssert.AreEquivalent(
            new[] { "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var", "norm.num_batches_tracked", "conv.weight", "_count", "_stage", "_mask" },
            trained.state_dict().Keys.ToArray());

        using var copy = new LearnedGroupConv(In, Out, G, C);
        copy.load_state_dict(trained.state_dict());
        Assert.AreEqual(2, copy.Stage);
        Assert.AreEqual(2L * Delta, copy.DroppedPerGroup);
        Assert.IsTrue(copy.Mask.eq(trained.Mask).all().item<bool>());
        copy.CondenseTo(0.4);
        Assert.AreEqual(2, copy.Stage, "a loaded stage is not run again");
    }

    [TestMethod]
    public void RejectsChannelsThatDoNotSplit()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new LearnedGroupConv(18, 8, 4));
        StringAssert.Contains(ex.Message, "18 input channels");
        ex = Assert.ThrowsExactly<ArgumentException>(() => new LearnedGroupConv(16, 10, 4));
        StringAssert.Contains(ex.Message, "10 output channels");
    }

    private static void AssertMask(LearnedGroupConv conv, HashSet<int>[] kept, string when)
    {
        var mask = conv.Mask.data<float>().ToArray();
        for (var o = 0; o < Out; o++)
        {
            var expected = Enumerable.Range(0, In).Select(j => kept[o % G].Contains(j) ? 1f : 0f).ToArray();
            CollectionAssert.AreEqual(expected, mask.Skip(o * In).Take(In).ToArray(), $"{when}: output {o} (group {o % G})");
        }
    }
}
