using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Commands.Compare;
using CnnMl.Demo.Commands.Train;
using CnnMl.Demo.Steps;
using CnnMl.Optimizers;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// Every training control of the library reaches it from the command line (issue 22 §1): each option of
/// <see cref="TrainingControlSettings"/>, parsed as <c>cnnml train</c> (and <c>compare</c>) parse it, becomes the
/// <see cref="CnnTrainerOptions"/> that the command hands to the trainer (<c>TrainRunSetup.TrainerOptions</c>,
/// <c>CompareCommand.TrainerOptions</c>, on 200 MNIST digits); bad values exit 2 with one line naming the option and
/// the value, before any work; one short run trains with several controls at once.
/// </summary>
[TestClass]
public sealed class TrainingControlConsoleTests
{
    // 200 training digits, 50 test digits: counting their labels is all the mapping reads.
    private static readonly string[] Data = ["--train-limit", "200", "--test-limit", "50", "--data", ""];

    private static CnnTrainerOptions TrainOptions(params string[] args)
    {
        var settings = ParsedSettings.Of<TrainSettings>([.. args, .. DataArgs()]);
        var ml = new MLContext(seed: 1);
        var data = PreparedData.Load(ml, settings, CnnArchitectures.Get(settings.Architecture));
        return TrainRunSetup.TrainerOptions(settings, data, CancellationToken.None);
    }

    private static string[] DataArgs() => [.. Data[..^1], TestPaths.RequireMnist()];

    /// <summary>The 200 digits' count of each label 0–9.</summary>
    private static long[] DigitCounts()
    {
        var labels = MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Train, 200).Labels;
        return Enumerable.Range(0, 10).Select(d => (long)labels.Count(l => l == d)).ToArray();
    }

    [TestMethod]
    public void Without_controls_the_trainer_gets_the_library_defaults()
    {
        var options = TrainOptions();
        var adam = Assert.IsInstanceOfType<Adam>(options.Optimizer);
        Assert.AreEqual(typeof(Adam), adam.GetType());
        Assert.AreEqual(CnnOptimizer.DefaultLearningRate, adam.LearningRate);
        Assert.IsNull(options.Schedule);
        Assert.IsNull(options.EarlyStopping);
        Assert.IsNull(options.ClassWeights);
        Assert.IsNull(options.Augmentation);
        Assert.AreEqual(0, adam.WeightDecay);
        Assert.AreEqual(0, options.LabelSmoothing);
        Assert.AreEqual(MixedPrecision.None, options.MixedPrecision);
    }

    [TestMethod]
    [DataRow("adam", typeof(Adam))]
    [DataRow("adamw", typeof(AdamW))]
    [DataRow("SGD", typeof(Sgd))]
    public void Optimizer_reaches_the_trainer(string name, Type expected)
    {
        var optimizer = TrainOptions("--optimizer", name, "--lr", "0.02").Optimizer;
        Assert.AreEqual(expected, optimizer.GetType());
        Assert.AreEqual(0.02, optimizer.LearningRate, "--lr reaches the optimizer");
    }

    [TestMethod]
    public void Momentum_nesterov_and_weight_decay_reach_the_trainer()
    {
        var options = TrainOptions("--optimizer", "sgd", "--momentum", "0.9", "--nesterov", "--weight-decay", "5e-4");
        var sgd = Assert.IsInstanceOfType<Sgd>(options.Optimizer);
        Assert.AreEqual(0.9, sgd.Momentum);
        Assert.IsTrue(sgd.Nesterov);
        Assert.AreEqual(5e-4, sgd.WeightDecay);
    }

    [TestMethod]
    public void Step_schedule_with_warmup_reaches_the_trainer_with_warmup_in_steps()
    {
        // 200 digits in batches of 32: 7 steps per epoch; 2 warm-up epochs are 14 steps.
        var options = TrainOptions("--epochs", "5", "--batch-size", "32", "--schedule", "step", "--step-epochs", "2", "--step-gamma", "0.5", "--warmup-epochs", "2");
        var step = options.Schedule as StepLearningRate ?? throw new AssertFailedException($"got {options.Schedule}");
        Assert.AreEqual(2, step.StepSizeEpochs);
        Assert.AreEqual(0.5, step.Gamma);
        Assert.AreEqual(14, step.WarmupSteps);
    }

    [TestMethod]
    public void Warmup_counts_the_steps_left_after_the_validation_share()
    {
        // --validation-fraction 0.5 holds out round(half) of each digit: the rest, in batches of 10, make the epoch.
        var counts = DigitCounts();
        var trained = counts.Sum(c => c - Math.Clamp(StratifiedHoldOut.HeldCount((int)c, 0.5), 1, (int)c - 1));
        var options = TrainOptions("--epochs", "3", "--batch-size", "10", "--validation-fraction", "0.5", "--warmup-epochs", "1");
        Assert.AreEqual((int)((trained + 9) / 10), options.Schedule!.WarmupSteps);
        Assert.IsInstanceOfType<ConstantLearningRate>(options.Schedule, "warm-up alone: the constant schedule after it");
    }

    [TestMethod]
    [DataRow("cosine", typeof(CosineLearningRate))]
    [DataRow("one-cycle", typeof(OneCycleLearningRate))]
    [DataRow("constant", null)]
    public void Schedule_reaches_the_trainer(string name, Type? expected) =>
        Assert.AreEqual(expected, TrainOptions("--schedule", name).Schedule?.GetType());

    [TestMethod]
    public void Early_stopping_reaches_the_trainer_with_its_patience()
    {
        var options = TrainOptions("--early-stopping", "2");
        Assert.AreEqual(2, options.EarlyStopping!.Patience);
        Assert.AreEqual(EarlyStoppingMetric.ValidationLoss, options.EarlyStopping.Metric);
        Assert.IsNotNull(options.ValidationSet, "train validates on the test images without --validation-fraction");
    }

    [TestMethod]
    public void Label_smoothing_reaches_the_trainer() => Assert.AreEqual(0.1, TrainOptions("--label-smoothing", "0.1").LabelSmoothing);

    [TestMethod]
    public void Balanced_class_weights_are_rows_over_classes_times_each_class_count()
    {
        var counts = DigitCounts();
        var weights = TrainOptions("--class-weights", "balanced").ClassWeights!;
        Assert.HasCount(10, weights);
        for (var d = 0; d < 10; d++) Assert.AreEqual(200.0 / (10 * counts[d]), weights[d], 1e-6, $"digit {d} ({counts[d]} rows)");
        // The rarest digit weighs most.
        Assert.AreEqual(Array.IndexOf(counts, counts.Min()), weights.Select((w, i) => (w, i)).MaxBy(x => x.w).i);
    }

    [TestMethod]
    public void Listed_class_weights_reach_the_trainer_one_per_class()
    {
        var weights = TrainOptions("--class-weights", "1,1,1,1,1,1,1,1,2,0.5").ClassWeights!;
        CollectionAssert.AreEqual(new[] { 1f, 1, 1, 1, 1, 1, 1, 1, 2, 0.5f }, weights.ToArray());
    }

    [TestMethod]
    public void Augment_reaches_the_trainer_as_the_library_augmentation()
    {
        var all = (ImageAugmentation)TrainOptions("--augment", "crop,flip,affine").Augmentation!;
        Assert.AreEqual(3, all.CropPadding, "an eighth of MNIST's 28 pixels");
        Assert.IsTrue(all.HorizontalFlip);
        Assert.AreEqual(10, all.RotationDegrees);
        Assert.AreEqual(0.1, all.Translation);
        Assert.AreEqual(0.1, all.Scale);

        var crop = (ImageAugmentation)TrainOptions("--augment", "crop").Augmentation!;
        Assert.AreEqual("crop with padding 3", crop.ToString());
    }

    [TestMethod]
    [DataRow("bf16", MixedPrecision.BFloat16)]
    [DataRow("fp16", MixedPrecision.Float16)]
    [DataRow("none", MixedPrecision.None)]
    public void Mixed_precision_reaches_the_trainer(string name, MixedPrecision expected) =>
        Assert.AreEqual(expected, TrainOptions("--mixed-precision", name).MixedPrecision);

    [TestMethod]
    public void Validation_fraction_reaches_the_trainer_instead_of_the_test_images()
    {
        var options = TrainOptions("--validation-fraction", "0.2");
        Assert.AreEqual(0.2, options.ValidationSetFraction);
        Assert.IsNull(options.ValidationSet);
    }

    [TestMethod]
    public void Compare_hands_every_architecture_the_same_controls()
    {
        var settings = ParsedSettings.Of<CompareSettings>(["--archs", "mnist-cnn,lenet5", "--optimizer", "adamw", "--schedule", "cosine",
            "--early-stopping", "1", "--label-smoothing", "0.05", "--class-weights", "balanced", "--augment", "affine", "--mixed-precision", "bf16", .. DataArgs()]);
        var data = ComparisonData.Load(new MLContext(seed: 1), settings, CnnArchitectures.Get("mnist-cnn"));
        foreach (var name in settings.ArchitectureNames)
        {
            var options = CompareCommand.TrainerOptions(name, data, settings, CancellationToken.None);
            Assert.AreEqual(name, options.Architecture);
            Assert.IsInstanceOfType<AdamW>(options.Optimizer);
            Assert.IsInstanceOfType<CosineLearningRate>(options.Schedule);
            Assert.AreEqual(1, options.EarlyStopping!.Patience);
            Assert.IsNotNull(options.ValidationSet, "early stopping watches the test images");
            Assert.AreEqual(0.05, options.LabelSmoothing);
            Assert.HasCount(10, options.ClassWeights!);
            Assert.AreEqual(10, ((ImageAugmentation)options.Augmentation!).RotationDegrees);
            Assert.AreEqual(MixedPrecision.BFloat16, options.MixedPrecision);
        }
    }

    [TestMethod]
    [DataRow("--optimizer rmsprop", "--optimizer expects one of adam, adamw, sgd, got 'rmsprop'")]
    [DataRow("--momentum 0.9", "--momentum is SGD's; add --optimizer sgd (got --optimizer adam)")]
    [DataRow("--optimizer sgd --momentum 1", "--momentum must be in [0, 1), e.g. 0.9 (got 1)")]
    [DataRow("--optimizer sgd --nesterov", "--nesterov needs --optimizer sgd and --momentum above 0")]
    [DataRow("--weight-decay -0.1", "--weight-decay must be a number, 0 or more (got -0.1)")]
    [DataRow("--schedule linear", "--schedule expects one of constant, step, cosine, one-cycle, got 'linear'")]
    [DataRow("--warmup-epochs 3", "--warmup-epochs 3 leaves no epoch for the schedule: give fewer than --epochs (3)")]
    [DataRow("--warmup-epochs -1", "--warmup-epochs must be 0 or more (got -1)")]
    [DataRow("--step-epochs 2", "--step-epochs sets the step schedule; add --schedule step (got --schedule constant)")]
    [DataRow("--schedule step --step-gamma 1.5", "--step-gamma must be in (0, 1], e.g. 0.1 (got 1.5)")]
    [DataRow("--early-stopping -1", "--early-stopping takes a patience in epochs, 0 or more (got -1)")]
    [DataRow("--early-stopping soon", "--early-stopping expects a number, got 'soon'")]
    [DataRow("--label-smoothing 1", "--label-smoothing must be in [0, 1), e.g. 0.1 (got 1)")]
    [DataRow("--class-weights inverse", "--class-weights takes balanced or numbers 0 or more, comma-separated, one per class (got 'inverse' in 'inverse')")]
    [DataRow("--class-weights 0,0", "--class-weights must not all be 0 (got '0,0')")]
    [DataRow("--augment crop,rotate", "--augment: 'rotate' is not one of crop, flip, affine")]
    [DataRow("--augment flip,flip", "--augment names 'flip' twice")]
    [DataRow("--mixed-precision fp8", "--mixed-precision expects one of none, bf16, fp16, got 'fp8'")]
    [DataRow("--optimizer sgd --checkpoint c.ckpt --early-stopping 1 --resume c.ckpt", "--early-stopping cannot continue a resumed run (a checkpoint does not keep the best epoch); resume without it.")]
    public void Bad_control_exits_2_with_one_line_naming_the_option_and_value(string arguments, string expected)
    {
        var run = CnnmlInProcess.Run(["train", .. arguments.Split(' ')]);

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        Assert.HasCount(1, run.ErrorLines, run.ToString());
        StringAssert.Contains(run.ErrorLines[0], expected, run.ToString());
        Assert.AreEqual("", run.StandardOutput, run.ToString());
    }

    [TestMethod]
    public void Compare_refuses_a_bad_control_the_same_way()
    {
        var run = CnnmlInProcess.Run("compare", "--archs", "mnist-cnn,lenet5", "--augment", "zoom");
        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLines.Single(), "--augment: 'zoom' is not one of crop, flip, affine", run.ToString());
    }

    [TestMethod]
    public void Class_weights_of_the_wrong_count_fail_naming_the_classes()
    {
        var run = CnnmlInProcess.Run(["train", "--class-weights", "1,2,3", "--epochs", "1", .. DataArgs()]);
        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLines.Single(), "--class-weights lists 3 weight(s); the data has 10 classes", run.ToString());
    }

    [TestMethod]
    public void Train_runs_with_sgd_one_cycle_augmentation_smoothing_and_balanced_weights()
    {
        // One epoch of 200 digits with every control but mixed precision: the "Training:" line shows what the trainer got.
        var run = CnnmlInProcess.Run(["train", "--epochs", "2", "--batch-size", "32", "--optimizer", "sgd", "--momentum", "0.9", "--nesterov",
            "--schedule", "one-cycle", "--warmup-epochs", "0.5", "--augment", "crop,affine", "--label-smoothing", "0.1", "--class-weights", "balanced",
            "--early-stopping", "1", "--report-every", "0", "--threads", "1", .. DataArgs()]);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        // The test console wraps at 160 columns, after a space.
        var output = run.StandardOutput.Replace("\n", "", StringComparison.Ordinal);
        StringAssert.Contains(output, "Training: Sgd lr 0.001, momentum 0.9 (Nesterov), one-cycle (rise 30 %, div 25, final div 1E+04) after 4 warm-up steps", run.ToString());
        StringAssert.Contains(output, "early stopping on validation loss (patience 1", run.ToString());
        StringAssert.Contains(output, "label smoothing 0.1, class weights ", run.ToString());
        StringAssert.Contains(output, "augmentation: rotation ±10°, translation ±10 %, scale ±10 %, crop with padding 3", run.ToString());
        StringAssert.Contains(run.StandardOutput, "test accuracy:", run.ToString());
    }
}
