using CnnMl.Optimizers;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using static TorchSharp.torch;

namespace CnnMl.Tests.Training;

/// <summary>
/// Learning-rate schedules as pure functions of the step, against values worked out by hand from PyTorch's
/// definitions (base rate 0.1), and the rate the optimizer actually uses inside Fit and in a step.
/// </summary>
[TestClass]
public sealed class LearningRateScheduleTests
{
    private const double Base = 0.1;

    private static double[] Rates(LearningRateSchedule schedule, int totalSteps, int stepsPerEpoch) =>
        Enumerable.Range(0, totalSteps).Select(t => schedule.LearningRateAt(t, totalSteps, stepsPerEpoch, Base)).ToArray();

    private static void AssertRates(double[] expected, double[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (var t = 0; t < expected.Length; t++) Assert.AreEqual(expected[t], actual[t], 1e-12, $"step {t}");
    }

    [TestMethod]
    public void ConstantIsTheBaseRate() => AssertRates([0.1, 0.1, 0.1], Rates(new ConstantLearningRate(), 3, 1));

    [TestMethod]
    public void StepHalvesEveryEpoch()
    {
        // StepLR(step_size=1 epoch, gamma=0.5) with 2 batches per epoch: 0.1 · 0.5^⌊t / 2⌋.
        AssertRates([0.1, 0.1, 0.05, 0.05, 0.025, 0.025], Rates(new StepLearningRate(1, gamma: 0.5), 6, 2));
        // step_size = 2 epochs of 3 batches: the decay comes at step 6.
        AssertRates([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01], Rates(new StepLearningRate(2), 8, 3));
    }

    [TestMethod]
    public void CosineAnnealsToTheMinimum()
    {
        // CosineAnnealingLR(T_max=4, eta_min=0.01): 0.01 + 0.09 · (1 + cos(π t / 4)) / 2.
        AssertRates([0.1, 0.0868198051533946, 0.055, 0.0231801948466054], Rates(new CosineLearningRate(0.01), 4, 2));
    }

    [TestMethod]
    public void OneCycleRisesThenFallsAsPyTorchDefinesIt()
    {
        // OneCycleLR(max_lr=0.1, total_steps=10, pct_start=0.3, div_factor=25, final_div_factor=1e4):
        // initial 0.004, final 4e-7; the rise ends at step 0.3·10 − 1 = 2, the fall at step 9, both by cosine:
        // rise  t ≤ 2: 0.1 + (0.004 − 0.1)/2 · (cos(π t/2) + 1)
        // fall  t > 2: 4e-7 + (0.1 − 4e-7)/2 · (cos(π (t − 2)/7) + 1)
        AssertRates(
            [0.004, 0.052, 0.1, 0.0950484632013474, 0.0811745653949763, 0.0611262021936289, 0.0388741978063711, 0.0188258346050237, 0.0049519367986526, 4e-7],
            Rates(new OneCycleLearningRate(), 10, 5));
    }

    [TestMethod]
    public void WarmUpRampsLinearlyThenTheScheduleStartsFromItsOwnStepZero()
    {
        // LinearLR(start_factor=0.25, total_iters=4): 0.1 · (0.25 + 0.75 · t/4), then constant.
        AssertRates([0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1], Rates(new ConstantLearningRate { WarmupSteps = 4, WarmupStartFactor = 0.25 }, 6, 3));
        // SequentialLR([LinearLR(1/3, 2), CosineAnnealingLR(T_max=4)], milestones=[2]) over 6 steps.
        AssertRates([0.1 / 3, 0.2 / 3, 0.1, 0.0853553390593274, 0.05, 0.0146446609406726], Rates(new CosineLearningRate { WarmupSteps = 2 }, 6, 3));
    }

    [TestMethod]
    public void WarmUpInEpochsIsThatManyEpochsOfSteps()
    {
        // 3 steps per epoch: 1 epoch is 3 steps, 0.5 epoch round(1.5) = 2 steps, the rates of WarmupSteps = 3 and = 2.
        Assert.AreEqual(3, new CosineLearningRate { WarmupEpochs = 1 }.WarmupStepsFor(3));
        AssertRates(Rates(new CosineLearningRate { WarmupSteps = 3 }, 9, 3), Rates(new CosineLearningRate { WarmupEpochs = 1 }, 9, 3));
        AssertRates(Rates(new StepLearningRate(1, 0.5) { WarmupSteps = 2 }, 9, 3), Rates(new StepLearningRate(1, 0.5) { WarmupEpochs = 0.5 }, 9, 3));
        // A sliver of an epoch still warms up for one step.
        Assert.AreEqual(1, new ConstantLearningRate { WarmupEpochs = 0.01 }.WarmupStepsFor(3));
        StringAssert.Contains(new CosineLearningRate { WarmupEpochs = 1 }.ToString(), "after 1 warm-up epoch(s)");

        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ConstantLearningRate { WarmupEpochs = -0.5 }).Message, "WarmupEpochs must be 0 or more");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ConstantLearningRate { WarmupEpochs = double.NaN });
        var both = Assert.ThrowsExactly<ArgumentException>(() => new MLContext(seed: 1).MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 1, Schedule = new CosineLearningRate { WarmupSteps = 2, WarmupEpochs = 1 },
        }));
        StringAssert.Contains(both.Message, "give WarmupSteps (2) or WarmupEpochs (1), not both");
    }

    [TestMethod]
    public void BadParametersAreRejectedWithTheValue()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new StepLearningRate(0)).Message, "at least 1 epoch");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new StepLearningRate(1, gamma: 1.5)).Message, "Gamma must be in (0, 1]");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineLearningRate(-1)).Message, "0 or more");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new OneCycleLearningRate(percentStart: 1)).Message, "percentStart must be in (0, 1)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ConstantLearningRate { WarmupSteps = -1 }).Message, "WarmupSteps must be 0 or more");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ConstantLearningRate { WarmupStartFactor = 0 }).Message, "(0, 1]");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ConstantLearningRate().LearningRateAt(3, 3, 1, Base));
    }

    [TestMethod]
    public void FitReportsTheRateTheOptimizerUsedAtEveryStep()
    {
        // 64 images in batches of 16: 4 steps per epoch, 2 epochs. Reports read the optimizer's param group after each step.
        var schedule = new OneCycleLearningRate(percentStart: 0.25) { WarmupSteps = 1 };
        var reports = new List<TrainingReport>();
        var ml = new MLContext(seed: 1);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 2, BatchSize = 16, Optimizer = new Adam { LearningRate = Base }, Schedule = schedule, ReportEveryBatches = 1,
            NumberOfThreads = 1, Progress = new SynchronousProgress<TrainingReport>(reports.Add),
        }).Fit(SyntheticImages.Create(64));
        var perStep = reports.Where(r => r.Kind is TrainingReportKind.Batch or TrainingReportKind.EpochEnd).Select(r => r.LearningRate).ToArray();
        AssertRates(Rates(schedule, 8, 4), perStep);
        Assert.AreEqual(Base / 3, perStep[0], 1e-15, "warm-up step 0");
        Assert.AreEqual(Base / 25, perStep[1], 1e-15, "the cycle's own step 0: base / div_factor");
    }

    [TestMethod]
    public void AnSgdStepMovesTheWeightsByTheScheduledRateTimesTheGradient()
    {
        var options = new CnnTrainerOptions { Optimizer = new Sgd { LearningRate = Base }, Schedule = new StepLearningRate(1, gamma: 0.5) };
        using var controls = new TrainingControls(options, seed: 1, stepsPerEpoch: 2, epochs: 3, device: CPU);
        using var layer = nn.Linear(2, 1, hasBias: false);
        using (no_grad()) layer.weight!.copy_(tensor(new float[,] { { 1f, -2f } }));
        using var optimizer = controls.CreateOptimizer(layer.parameters());
        using var x = tensor(new float[,] { { 3f, 0.5f } });
        // The loss is w·x, so the gradient is x = [3, 0.5] at every step and w moves by −lr_t · [3, 0.5].
        var expected = new[] { 1.0, -2.0 };
        for (var step = 0; step < 6; step++)
        {
            var (epoch, batch) = (step / 2, step % 2);
            var rate = controls.SetLearningRate(optimizer, epoch, batch);
            Assert.AreEqual(0.1 * Math.Pow(0.5, epoch), rate, 1e-15);
            Assert.AreEqual(rate, optimizer.ParamGroups.Single().LearningRate);
            optimizer.zero_grad();
            using (var loss = layer.call(x).sum()) loss.backward();
            optimizer.step();
            expected[0] -= rate * 3;
            expected[1] -= rate * 0.5;
            var w = layer.weight!.data<float>().ToArray();
            Assert.AreEqual(expected[0], w[0], 1e-5, $"step {step}");
            Assert.AreEqual(expected[1], w[1], 1e-5, $"step {step}");
        }
    }
}
