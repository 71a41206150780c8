using CnnMl.Inspection;
using CnnMl.Optimizers;
using CnnMl.Runtime;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace CnnMl.Tests.Training;

/// <summary>Options that change what Fit does, each exercised: seed, mid-epoch validation, cancellation, the checks.</summary>
[TestClass]
[DoNotParallelize]
public sealed class TrainerOptionsTests
{
    private sealed class KeyRow
    {
        [KeyType(4)]
        public uint Label { get; set; }

        [VectorType(784)]
        public float[] Image { get; set; } = new float[784];
    }

    private static CnnTrainerOptions Small(Action<CnnTrainerOptions>? change = null)
    {
        var options = new CnnTrainerOptions { Epochs = 1, BatchSize = 16, ReportEveryBatches = 0, NumberOfThreads = 1 };
        change?.Invoke(options);
        return options;
    }

    [TestMethod]
    public void SeedOverridesTheMlContextsSeed()
    {
        string Train(int contextSeed, int? seed, out int used)
        {
            var ml = new MLContext(seed: contextSeed);
            using var model = ml.MulticlassClassification.Trainers.Cnn(Small(o => o.Seed = seed)).Fit(SyntheticImages.Create(32));
            used = model.TrainingSummary!.Seed;
            return WeightsDigest.Sha256(model.Module);
        }

        var fixedSeed = Train(1, 42, out var used);
        Assert.AreEqual(42, used);
        Assert.AreEqual(fixedSeed, Train(2, 42, out _), "another MLContext seed, same Seed: same weights");
        Assert.AreNotEqual(fixedSeed, Train(1, 43, out _), "another Seed: other weights");
        Assert.AreNotEqual(Train(1, null, out var fromContext1), Train(2, null, out var fromContext2), "no Seed: the MLContext's seed decides");
        Assert.AreNotEqual(fromContext1, fromContext2);
    }

    [TestMethod]
    public void ValidateEveryBatchesMeasuresTheValidationSetMidEpoch()
    {
        // 64 images in batches of 16: 4 batches; validation after batches 2 and 4, and at the epoch's end.
        var reports = new List<TrainingReport>();
        var ml = new MLContext(seed: 1);
        using var model = ml.MulticlassClassification.Trainers.Cnn(Small(o =>
        {
            o.ValidationSet = SyntheticImages.Create(40, seed: 9);
            o.ValidateEveryBatches = 2;
            o.Progress = new SynchronousProgress<TrainingReport>(reports.Add);
        })).Fit(SyntheticImages.Create(64));
        var batches = reports.Where(r => r.Kind == TrainingReportKind.Batch).ToArray();
        CollectionAssert.AreEqual(new[] { 2, 4 }, batches.Select(r => r.Batch).ToArray());
        Assert.IsTrue(batches.All(r => r.ValidationAccuracy is >= 0 and <= 1 && r.ValidationLoss is > 0), "accuracy and loss measured");
        // Validation accuracy counts whole images: a multiple of 1/40.
        Assert.IsTrue(batches.All(r => Math.Abs(r.ValidationAccuracy!.Value * 40 - Math.Round(r.ValidationAccuracy.Value * 40)) < 1e-9));
        var end = reports.Single(r => r.Kind == TrainingReportKind.EpochEnd);
        Assert.AreEqual(batches[1].ValidationAccuracy, end.ValidationAccuracy, "nothing trained between batch 4 and the epoch's end");

        reports.Clear();
        using var quiet = ml.MulticlassClassification.Trainers.Cnn(Small(o =>
        {
            o.ValidationSet = SyntheticImages.Create(40, seed: 9);
            o.Progress = new SynchronousProgress<TrainingReport>(reports.Add);
        })).Fit(SyntheticImages.Create(64));
        Assert.IsFalse(reports.Any(r => r.Kind == TrainingReportKind.Batch), "0: only at the end of each epoch");
    }

    [TestMethod]
    public void CancelingStopsBeforeTheNextBatchAndLeavesNoSettingBehind()
    {
        var threads = torch.get_num_threads();
        var oneDnn = OneDnnConvolutions.Enabled;
        using var cancellation = new CancellationTokenSource();
        var batches = new List<int>();
        var ml = new MLContext(seed: 1);
        var trainer = ml.MulticlassClassification.Trainers.Cnn(Small(o =>
        {
            o.ReportEveryBatches = 1;
            o.NumberOfThreads = threads == 1 ? 2 : 1;
            o.OneDnn = OneDnnMode.Off;
            o.CancellationToken = cancellation.Token;
            o.Progress = new SynchronousProgress<TrainingReport>(r =>
            {
                if (r.Kind != TrainingReportKind.Batch) return;
                batches.Add(r.Batch);
                if (r.Batch == 2) cancellation.Cancel();
            });
        }));
        Assert.ThrowsExactly<OperationCanceledException>(() => trainer.Fit(SyntheticImages.Create(64)));
        CollectionAssert.AreEqual(new[] { 1, 2 }, batches);
        Assert.AreEqual(threads, torch.get_num_threads());
        Assert.AreEqual(oneDnn, OneDnnConvolutions.Enabled);
        Assert.AreEqual(0, OneDnnScope.OpenScopes);
    }

    [TestMethod]
    public void EveryRuleNamesTheOptionAndTheValue()
    {
        var ml = new MLContext(seed: 1);
        var rules = new (Action<CnnTrainerOptions> Change, string Message)[]
        {
            (o => o.Epochs = 0, "Epochs must be at least 1 (0 is allowed with InitialWeights"),
            (o => o.BatchSize = 0, "BatchSize must be at least 1."),
            (o => o.Optimizer.LearningRate = 0, "Adam.LearningRate must be a positive finite number; got 0."),
            (o => o.Optimizer.LearningRate = double.PositiveInfinity, "Adam.LearningRate must be a positive finite number; got Infinity."),
            (o => o.Optimizer = new AdamW { LearningRate = double.NaN }, "AdamW.LearningRate must be a positive finite number; got NaN."),
            (o => o.Optimizer = new Adam { Beta1 = 1 }, "Adam.Beta1 must be in [0, 1); got 1."),
            (o => o.Optimizer = new Adam { Eps = -1e-8 }, "Adam.Eps must be a finite number, 0 or more; got -1E-08."),
            (o => o.ReportEveryBatches = -1, "ReportEveryBatches must be 0 or more."),
            (o => o.ValidateEveryBatches = -1, "ValidateEveryBatches must be 0 or more."),
            (o => o.Scoring.BatchSize = 0, "Scoring.BatchSize must be at least 1; got 0."),
            (o => o.NumberOfThreads = 0, "NumberOfThreads must be at least 1."),
            (o => o.Scoring.NumberOfThreads = 0, "Scoring.NumberOfThreads must be at least 1; got 0."),
            (o => o.Optimizer = new Adam { WeightDecay = -0.1 }, "Adam.WeightDecay must be a finite number, 0 or more; got -0.1."),
            (o => o.Optimizer = new Sgd { WeightDecay = double.PositiveInfinity }, "Sgd.WeightDecay must be a finite number, 0 or more; got Infinity."),
            (o => o.Optimizer = new Sgd { Momentum = 1 }, "Sgd.Momentum must be in [0, 1); got 1."),
            (o => o.Optimizer = new Sgd { Nesterov = true }, "Sgd.Nesterov needs Momentum > 0, as in PyTorch (got Momentum 0)."),
            (o => o.LabelSmoothing = 1, "LabelSmoothing must be in [0, 1)."),
            (o => o.ClassWeights = [0f, 0f], "ClassWeights must be finite, 0 or more, and not all 0 (got 0, 0)."),
            (o => o.ClassWeights = [1f, -1f], "ClassWeights must be finite, 0 or more, and not all 0 (got 1, -1)."),
            (o => o.EarlyStopping = new EarlyStopping(), "EarlyStopping watches the validation set: set ValidationSet or ValidationSetFraction too."),
            (o => o.ValidationSetFraction = 0, "ValidationSetFraction must be between 0 and 1 (exclusive), e.g. 0.1 for a tenth of each class; got 0."),
            (o => o.ValidationSetFraction = 1, "ValidationSetFraction must be between 0 and 1 (exclusive), e.g. 0.1 for a tenth of each class; got 1."),
            (o => o.ValidationSetFraction = -0.25, "ValidationSetFraction must be between 0 and 1 (exclusive), e.g. 0.1 for a tenth of each class; got -0.25."),
            (o => o.ValidationSetFraction = double.NaN, "ValidationSetFraction must be between 0 and 1 (exclusive), e.g. 0.1 for a tenth of each class; got NaN."),
            (o =>
            {
                o.ValidationSetFraction = 0.2;
                o.ValidationSet = SyntheticImages.Create(4);
            }, "ValidationSetFraction (0.2) holds out part of the training data as the validation set, and ValidationSet is set too: give one of them."),
            (o =>
            {
                o.ValidationSet = SyntheticImages.Create(4);
                o.EarlyStopping = new EarlyStopping();
                o.Checkpoints.ResumeFrom = "run.ckpt";
            }, "EarlyStopping cannot continue a resumed run: a checkpoint does not hold its best epoch and weights."),
            (o =>
            {
                o.Optimizer = new UnregisteredOptimizer();
                o.Checkpoints.Path = "run.ckpt";
            }, "Checkpoints record the optimizer by its registered name; UnregisteredOptimizer is not registered."),
            (o => o.Checkpoints.Path = " ", "Checkpoints.Path must be a file path or null (got ' ')."),
            (o => o.Checkpoints.ResumeFrom = "", "Checkpoints.ResumeFrom must be a file path or null (got '')."),
            (o =>
            {
                o.CustomArchitecture = new CnnMl.Architectures.CnnArchitecture("mine", "", new ImageShape(1, 28, 28), 2, (_, _) => null!);
                o.Checkpoints.ResumeFrom = "run.ckpt";
            }, "Checkpoints.ResumeFrom rebuilds the network from the registry by name; CustomArchitecture 'mine' is not in it."),
            (o => o.LabelColumnName = " ", "LabelColumnName must not be empty."),
            (o => o.FeatureColumnName = "", "FeatureColumnName must not be empty."),
            (o => o.ScoreColumnName = "Image", "ScoreColumnName and FeatureColumnName are both 'Image': the output column would hide the image column"),
            (o => o.PredictedLabelColumnName = "Image", "PredictedLabelColumnName and FeatureColumnName are both 'Image'"),
            (o => o.ScoreColumnName = "CnnMl.Probabilities", "Column name 'CnnMl.Probabilities' is reserved for the saved chain's temporary columns"),
            (o => o.Optimizer = null!, "Optimizer must not be null."),
            (o => o.Scoring = null!, "Scoring must not be null."),
            (o => o.Checkpoints = null!, "Checkpoints must not be null."),
            (o => o.TransferLearning = null!, "TransferLearning must not be null."),
            (o => o.Scoring.OneRowScoring = (CnnMl.Scoring.OneRowScoring)(-1), "Scoring.OneRowScoring is -1, not one of its values: OnnxRuntime, LibTorch."),
            (o => o.OneDnn = (OneDnnMode)99, "OneDnn is 99, not one of its values: Auto, On, Off."),
            (o => o.MixedPrecision = (MixedPrecision)99, "MixedPrecision is 99, not one of its values: None, BFloat16, Float16."),
            (o =>
            {
                o.ValidationSet = SyntheticImages.Create(4);
                o.EarlyStopping = new EarlyStopping { Metric = (EarlyStoppingMetric)7 };
            }, "EarlyStopping.Metric is 7, not one of its values: ValidationLoss, ValidationAccuracy."),
            (o => o.Architecture = "", "Architecture must not be empty."),
            (o => o.Architecture = "alexnet", "Unknown architecture 'alexnet'. Known architectures: mnist-cnn, lenet5"),
        };
        foreach (var (change, message) in rules)
        {
            var options = new CnnTrainerOptions();
            change(options);
            var ex = Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.Trainers.Cnn(options), message);
            StringAssert.StartsWith(ex.Message, message);
        }
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Epochs = -3 })).Message,
            "Actual value was -3.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new EarlyStopping { Patience = -1 }).Message, "Patience must be 0 or more");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageAugmentation { CropPadding = -1 }).Message, "CropPadding must be 0 or more");
    }

    [TestMethod]
    public void FitChecksTheOptionsAgainWhenItStarts()
    {
        // Options is the caller's object: a change after the trainer was made must not train for hours and then fail
        // to save (a score column named like the image column trained, scored and checkpointed, and failed at save).
        var ml = new MLContext(seed: 1);
        var options = Small();
        var trainer = ml.MulticlassClassification.Trainers.Cnn(options);
        var observed = 0;
        options.Progress = new SynchronousProgress<TrainingReport>(_ => observed++);
        options.ScoreColumnName = options.FeatureColumnName;
        var ex = Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit(SyntheticImages.Create(16)));
        StringAssert.StartsWith(ex.Message, "ScoreColumnName and FeatureColumnName are both 'Image'");
        Assert.AreEqual(0, observed, "Fit reported training progress before refusing the options");

        options.ScoreColumnName = "Score";
        options.OneDnn = (OneDnnMode)99;
        StringAssert.StartsWith(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(SyntheticImages.Create(16))).Message,
            "OneDnn is 99, not one of its values: Auto, On, Off.");
    }

    [TestMethod]
    public void ClassWeightsNeedOneWeightPerClass()
    {
        var ml = new MLContext(seed: 1);
        var trainer = ml.MulticlassClassification.Trainers.Cnn(Small(o => o.ClassWeights = [1f, 2f, 3f]));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit(SyntheticImages.Create(16)));
        StringAssert.StartsWith(ex.Message, "ClassWeights has 3 values; the label column 'Label' has 4 classes. Give one weight per class, in key order.");
    }

    [TestMethod]
    public void RowsWithAMissingLabelAreSkipped()
    {
        var ml = new MLContext(seed: 1);
        // Key 0 is ML.NET's missing value. LoadFromEnumerable stores a [KeyType(4)] field value v as key v + 1 and a
        // value of 4 or more as key 0, so i mod 5 = 4 marks every fifth row as missing.
        var rows = Enumerable.Range(0, 40).Select(i => new KeyRow { Label = (uint)(i % 5) }).ToArray();
        CollectionAssert.AreEqual(new uint[] { 1, 2, 3, 4, 0 }, ml.Data.LoadFromEnumerable(rows).GetColumn<uint>("Label").Take(5).ToArray());
        using var model = ml.MulticlassClassification.Trainers.Cnn(Small()).Fit(ml.Data.LoadFromEnumerable(rows));
        Assert.AreEqual(32L, model.TrainingSummary!.TrainImages, "8 of 40 rows had key 0");

        var none = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 5).Select(_ => new KeyRow { Label = 4 }).ToArray());
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.Cnn(Small()).Fit(none));
        StringAssert.StartsWith(ex.Message, "The training data has no rows with a label and finite pixels (label column 'Label'; 5 rows had a missing key, 0 non-finite pixels).");
    }

    [TestMethod]
    public void TheValidationSetsSchemaIsCheckedBeforeTraining()
    {
        var ml = new MLContext(seed: 1);
        var small = ml.MulticlassClassification.Trainers.Cnn(Small(o => o.ValidationSet = SyntheticImages.Create(8, size: 12)));
        var size = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => small.Fit(SyntheticImages.Create(16)));
        StringAssert.StartsWith(size.Message, "ValidationSet: Image column 'Image' has 144 values; architecture 'mnist-cnn' expects 1x28x28 = 784.");
        Assert.AreEqual("ValidationSet", size.ParamName);

        var classes = ml.MulticlassClassification.Trainers.Cnn(Small(o => o.ValidationSet = SyntheticImages.Create(8, classes: 3)));
        var count = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => classes.Fit(SyntheticImages.Create(16)));
        StringAssert.StartsWith(count.Message, "ValidationSet: label column 'Label' has 3 classes; the training data's has 4.");
    }

    [TestMethod]
    public void ADisposedModelRefusesToScore()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticImages.Create(16);
        var model = ml.MulticlassClassification.Trainers.Cnn(Small()).Fit(data);
        model.Dispose();
        model.Dispose(); // twice is fine
        Assert.ThrowsExactly<ObjectDisposedException>(() => model.Transform(data));
        Assert.ThrowsExactly<ObjectDisposedException>(() => model.GetRowToRowMapper(data.Schema));
    }
}

/// <summary>An optimizer nobody registered: it trains, but a checkpoint cannot record it.</summary>
internal sealed class UnregisteredOptimizer : CnnOptimizer
{
    public override TorchSharp.torch.optim.Optimizer Create(IEnumerable<TorchSharp.Modules.Parameter> parameters) =>
        TorchSharp.torch.optim.SGD(parameters, LearningRate);
}
