using CnnMl.Abstractions;
using CnnMl.Architectures;
using CnnMl.Optimizers;
using CnnMl.Scoring;
using Microsoft.ML;

namespace CnnMl.Training;

/// <summary>
/// Options for <see cref="CnnTrainer"/>, grouped by concern: the data columns and the network, then
/// <see cref="Optimizer"/>, <see cref="Schedule"/>, <see cref="EarlyStopping"/>, <see cref="Augmentation"/>,
/// <see cref="TransferLearning"/>, <see cref="Checkpoints"/> and <see cref="Scoring"/>. Defaults are the source
/// document's MNIST settings: Adam, learning rate 1e-3, batch 64, 3 epochs, a report every 100 batches.
/// </summary>
public sealed class CnnTrainerOptions
{
    /// <summary>The label column's default name, also the catalog method's: "Label".</summary>
    public const string DefaultLabelColumnName = "Label";

    /// <summary>The image column's default name, also the catalog method's: "Image".</summary>
    public const string DefaultFeatureColumnName = "Image";

    /// <summary>The key-typed label column. Default "Label".</summary>
    public string LabelColumnName { get; set; } = DefaultLabelColumnName;

    /// <summary>The image column: a known-size <c>vector&lt;float&gt;</c> of C·H·W values (channels first). Default "Image".</summary>
    public string FeatureColumnName { get; set; } = DefaultFeatureColumnName;

    /// <summary>The score column the transformer adds: a vector of softmax probabilities, slot i for class index i. Default "Score".</summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>The predicted-label column the transformer adds, of the label's key type. Default "PredictedLabel".</summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>Registry name of the network (<see cref="CnnArchitectures"/>). Default <see cref="CnnArchitectures.MnistCnn"/>.</summary>
    public string Architecture { get; set; } = CnnArchitectures.MnistCnn;

    /// <summary>
    /// A network to train that need not be in the registry: when set, it is used and <see cref="Architecture"/> is
    /// ignored. Build one with <c>new CnnArchitecture(name, description, input, classes, factory)</c> to train your own
    /// module without <see cref="CnnArchitectures.Register"/>, which changes the registry for the whole process. The
    /// model's <c>Definition.Architecture</c> records its <see cref="CnnArchitecture.Name"/>.
    /// </summary>
    public CnnArchitecture? CustomArchitecture { get; set; }

    /// <summary>
    /// Shape of one example, channels first. Null: the image column's dimensions when it has them (C×H×W, as
    /// <c>ExtractPixels</c> sets them), else the architecture's default input (1×28×28 for the MNIST networks).
    /// When the column has dimensions, they must agree with this shape.
    /// </summary>
    public ImageShape? ImageShape { get; set; }

    /// <summary>
    /// What <c>Fit</c> does with a training or validation row whose image holds NaN or ±Infinity. False (default):
    /// it stops with an <see cref="InvalidOperationException"/> naming the row, before training starts. True: such
    /// rows are skipped — not trained on, not counted in validation — and their number is written to
    /// <c>MLContext.Log</c> as a warning, as ML.NET's own trainers skip rows with missing features. Scoring does
    /// not depend on this option: a row with non-finite pixels always scores NaN with a missing predicted label (key 0).
    /// </summary>
    public bool AllowNonFiniteFeatures { get; set; }

    /// <summary>The default of <see cref="Epochs"/>: 3, the source document's.</summary>
    public const int DefaultEpochs = 3;

    /// <summary>The default of <see cref="BatchSize"/>: 64, the source document's.</summary>
    public const int DefaultBatchSize = 64;

    /// <summary>Passes over the training data. Default <see cref="DefaultEpochs"/>.</summary>
    public int Epochs { get; set; } = DefaultEpochs;

    /// <summary>Examples per training step. Default <see cref="DefaultBatchSize"/>.</summary>
    public int BatchSize { get; set; } = DefaultBatchSize;

    /// <summary>
    /// The optimizer and its settings: <see cref="Adam"/> (default, the source document's, learning rate
    /// <see cref="CnnOptimizer.DefaultLearningRate"/>), <see cref="AdamW"/>, <see cref="Sgd"/>, or your own
    /// <see cref="CnnOptimizer"/>, e.g. <c>new AdamW { LearningRate = 1e-3, WeightDecay = 0.01 }</c>.
    /// </summary>
    public CnnOptimizer Optimizer { get; set; } = new Adam();

    /// <summary>
    /// The learning rate per step: <see cref="ConstantLearningRate"/>, <see cref="StepLearningRate"/>,
    /// <see cref="CosineLearningRate"/> or <see cref="OneCycleLearningRate"/>, each with optional warm-up, scaling the
    /// optimizer's learning rate. Null (default): the optimizer's learning rate at every step.
    /// </summary>
    public LearningRateSchedule? Schedule { get; set; }


    /// <summary>Stop when the validation metric stops improving and keep the best weights (needs <see cref="ValidationSet"/> or <see cref="ValidationSetFraction"/>). Null (default): train every epoch.</summary>
    public EarlyStopping? EarlyStopping { get; set; }

    /// <summary>
    /// Label smoothing ε in [0, 1): the training target puts 1 − ε on the label and spreads ε evenly over all classes
    /// (<c>cross_entropy(label_smoothing=ε)</c>). Default 0.
    /// </summary>
    public double LabelSmoothing { get; set; }

    /// <summary>
    /// A weight per class (in key order, one per label key value) for the training loss: each example's loss counts
    /// with its class's weight, and the batch loss is Σ wᵢℓᵢ / Σ wᵢ (<c>cross_entropy(weight=…)</c>). Null (default): equal weights.
    /// </summary>
    public IReadOnlyList<float>? ClassWeights { get; set; }

    /// <summary>
    /// Changes every training batch before the forward pass, drawing from a generator seeded from the training seed and
    /// the epoch: <see cref="ImageAugmentation"/> (crop with padding, flip, affine) or your own
    /// <see cref="IBatchAugmentation"/>. Null (default): none.
    /// </summary>
    public IBatchAugmentation? Augmentation { get; set; }

    /// <summary>
    /// Seed for weight initialization and the per-epoch shuffles. Null: drawn from the <see cref="MLContext"/>'s
    /// seed, so <c>new MLContext(seed: 1)</c> makes training repeatable.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>Report progress every this many batches (0: only at the end of each epoch). Default 100.</summary>
    public int ReportEveryBatches { get; set; } = DefaultReportEveryBatches;

    /// <summary>The default of <see cref="ReportEveryBatches"/>, as the source document reports: every 100 batches.</summary>
    public const int DefaultReportEveryBatches = 100;

    /// <summary>Optional data to measure accuracy on while training (same columns as the training data).</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>
    /// Hold out this share of the training data inside <c>Fit</c> as the validation set, as ML.NET's
    /// <c>ImageClassificationTrainer</c> does: of each class, round(rows × fraction), at least 1 and at most all but 1
    /// (a class with one row keeps it), chosen at random from the training seed (<see cref="Seed"/>, else the
    /// <see cref="MLContext"/>'s), so validation metrics and <see cref="EarlyStopping"/> work without a separate set.
    /// The held-out rows are not trained on. In (0, 1), e.g. 0.1; not with <see cref="ValidationSet"/>; the training
    /// data must fit <see cref="MaxInMemoryBytes"/>. Null (default): no hold-out.
    /// </summary>
    public double? ValidationSetFraction { get; set; }

    /// <summary>
    /// Measure validation accuracy every this many batches, as the source document does every 100;
    /// 0 (default): only at the end of each epoch. Validation time is excluded from the training time.
    /// </summary>
    public int ValidateEveryBatches { get; set; }

    /// <summary>Receives each progress report (also written to <c>MLContext.Log</c>).</summary>
    public IProgress<TrainingReport>? Progress { get; set; }

    /// <summary>Checked before every batch; canceling stops <c>Fit</c> with <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// A training budget in wall-clock time, counted from the first batch (validation included). When it has run out,
    /// training stops after the batch in progress, measures the validation set once more, and <c>Fit</c> returns the
    /// model as trained so far (<see cref="TrainingSummary.TimeLimitReached"/> is true); <see cref="Epochs"/> stays the
    /// upper bound. Unlike <see cref="CancellationToken"/>, which throws and keeps nothing. A partly trained epoch is
    /// not written to <see cref="CheckpointOptions.Path"/>, which keeps the last finished one. Null (default): no limit.
    /// </summary>
    public TimeSpan? TimeLimit { get; set; }

    /// <summary>
    /// libtorch intra-op threads while <c>Fit</c> runs, set on the calling thread and put back when <c>Fit</c> returns.
    /// Null leaves the thread's count (libtorch's default: one per core; but a thread that has never used libtorch starts
    /// from the count set last on any thread, so set it when results must repeat). One thread makes training bit-for-bit
    /// repeatable across processes.
    /// </summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>
    /// Whether training uses libtorch's oneDNN convolutions. Default <see cref="OneDnnMode.Auto"/>: each convolution
    /// configuration is probed against float64 once per process, and only layers where oneDNN is wrong avoid it.
    /// </summary>
    public OneDnnMode OneDnn { get; set; } = OneDnnMode.Auto;

    /// <summary>Starting from trained weights (fine-tuning, linear probes) and reading the penultimate features.</summary>
    public TransferLearningOptions TransferLearning { get; set; } = new();

    /// <summary>Where to write a checkpoint every epoch, and which one to resume from. Default: none.</summary>
    public CheckpointOptions Checkpoints { get; set; } = new();

    /// <summary>How the trained transformer scores: batch size, threads, what computes one-row passes.</summary>
    public ScoringOptions Scoring { get; set; } = new();

    /// <summary>The default of <see cref="MaxInMemoryBytes"/>: 2 GiB (2,147,483,648 bytes).</summary>
    public const long DefaultMaxInMemoryBytes = 2L << 30;

    /// <summary>
    /// Largest image column, in bytes (rows × values per image × 4), that <c>Fit</c> copies into memory; larger data —
    /// and any data past .NET's array limit (about 2.1 billion floats) — is streamed from the <see cref="IDataView"/>
    /// cursor while training: a seeded shuffle buffer (<see cref="ShuffleBufferRows"/>) mixes the rows and a background
    /// task prepares the next batches (<see cref="PrefetchBatches"/>). Default <see cref="DefaultMaxInMemoryBytes"/>
    /// (2 GiB: MNIST's 60,000 images take 188 MB and stay in memory). 0 always streams.
    /// </summary>
    public long MaxInMemoryBytes { get; set; } = DefaultMaxInMemoryBytes;

    /// <summary>
    /// Rows the shuffle buffer holds when streaming (each row moves at most this many places from the cursor's order).
    /// Null (default): as many as fit in half of <see cref="MaxInMemoryBytes"/>, at least one batch.
    /// </summary>
    public int? ShuffleBufferRows { get; set; }

    /// <summary>
    /// Batches a background task prepares ahead while the current step computes, when streaming (image loading and
    /// decoding in the pipeline overlap training). 0 prepares each batch on the training thread. Default 2.
    /// </summary>
    public int PrefetchBatches { get; set; } = 2;

    /// <summary>
    /// Automatic mixed precision for the forward pass (libtorch's autocast, bound by CnnMl since TorchSharp 0.107 does
    /// not expose it): <see cref="Training.MixedPrecision.BFloat16"/>, or <see cref="Training.MixedPrecision.Float16"/>
    /// with dynamic loss scaling. Default <see cref="Training.MixedPrecision.None"/>. Tested on the CPU (bfloat16, and
    /// float16 where the CPU build supports it); untested on CUDA. The oneDNN probe checks float32 kernels only.
    /// </summary>
    public MixedPrecision MixedPrecision { get; set; }

    internal void Validate()
    {
        RequireSet(Optimizer, nameof(Optimizer));
        RequireSet(TransferLearning, nameof(TransferLearning));
        RequireSet(Checkpoints, nameof(Checkpoints));
        RequireSet(Scoring, nameof(Scoring));
        if (Epochs < 1 && !(Epochs == 0 && TransferLearning.InitialWeights is not null && !TransferLearning.ReplaceClassifier))
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs,
                "Epochs must be at least 1 (0 is allowed with InitialWeights and without ReplaceClassifier, both in TransferLearning: the transformer then scores the loaded weights as they are).");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        Optimizer.Validate();
        Schedule?.Validate();
        if (ReportEveryBatches < 0) throw new ArgumentOutOfRangeException(nameof(ReportEveryBatches), ReportEveryBatches, "ReportEveryBatches must be 0 or more.");
        if (ValidateEveryBatches < 0) throw new ArgumentOutOfRangeException(nameof(ValidateEveryBatches), ValidateEveryBatches, "ValidateEveryBatches must be 0 or more.");
        if (TimeLimit is { } limit && limit <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(TimeLimit), TimeLimit, "TimeLimit must be positive (or null for no limit).");
        Scoring.Validate();
        if (MaxInMemoryBytes < 0) throw new ArgumentOutOfRangeException(nameof(MaxInMemoryBytes), MaxInMemoryBytes, "MaxInMemoryBytes must be 0 (always stream) or more.");
        if (ShuffleBufferRows is < 1) throw new ArgumentOutOfRangeException(nameof(ShuffleBufferRows), ShuffleBufferRows, "ShuffleBufferRows must be at least 1 (or null for the default).");
        if (PrefetchBatches is < 0 or > 64) throw new ArgumentOutOfRangeException(nameof(PrefetchBatches), PrefetchBatches, "PrefetchBatches must be between 0 and 64.");
        if (NumberOfThreads is < 1) throw new ArgumentOutOfRangeException(nameof(NumberOfThreads), NumberOfThreads, "NumberOfThreads must be at least 1.");
        RequireDefined(OneDnn, nameof(OneDnn));
        RequireDefined(MixedPrecision, nameof(MixedPrecision));
        if (EarlyStopping is { } stopping) RequireDefined(stopping.Metric, $"{nameof(EarlyStopping)}.{nameof(Training.EarlyStopping.Metric)}");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1)) throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "LabelSmoothing must be in [0, 1).");
        if (ClassWeights is { } weights)
        {
            if (weights.Any(w => !(w >= 0) || float.IsInfinity(w)) || weights.All(w => w == 0))
                throw new ArgumentException($"ClassWeights must be finite, 0 or more, and not all 0 (got {string.Join(", ", weights)}).", nameof(ClassWeights));
        }
        if (ValidationSetFraction is { } fraction)
        {
            if (!(fraction > 0 && fraction < 1))
                throw new ArgumentOutOfRangeException(nameof(ValidationSetFraction), fraction,
                    $"ValidationSetFraction must be between 0 and 1 (exclusive), e.g. 0.1 for a tenth of each class; got {fraction.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
            if (ValidationSet is not null)
                throw new ArgumentException(
                    $"ValidationSetFraction ({fraction.ToString(System.Globalization.CultureInfo.InvariantCulture)}) holds out part of the training data as the validation set, and ValidationSet is set too: give one of them.",
                    nameof(ValidationSetFraction));
        }
        if (EarlyStopping is not null && ValidationSet is null && ValidationSetFraction is null)
            throw new ArgumentException("EarlyStopping watches the validation set: set ValidationSet or ValidationSetFraction too.", nameof(EarlyStopping));
        Checkpoints.Validate();
        if (EarlyStopping is not null && Checkpoints.ResumeFrom is not null)
            throw new ArgumentException("EarlyStopping cannot continue a resumed run: a checkpoint does not hold its best epoch and weights. Resume without EarlyStopping.", nameof(EarlyStopping));
        if ((Checkpoints.Path is not null || Checkpoints.ResumeFrom is not null) && CnnOptimizers.NameOf(Optimizer) is null)
            throw new ArgumentException(
                $"Checkpoints record the optimizer by its registered name; {Optimizer.GetType().Name} is not registered. Call CnnOptimizers.Register<{Optimizer.GetType().Name}>(name) first, " +
                "or train without Checkpoints.Path and Checkpoints.ResumeFrom.", nameof(Optimizer));
        if (CustomArchitecture is not null && Checkpoints.ResumeFrom is not null)
            throw new ArgumentException($"Checkpoints.ResumeFrom rebuilds the network from the registry by name; CustomArchitecture '{CustomArchitecture.Name}' is not in it. Register it, or train without ResumeFrom.", "Checkpoints.ResumeFrom");
        foreach (var (name, value) in new[]
                 {
                     (nameof(LabelColumnName), LabelColumnName), (nameof(FeatureColumnName), FeatureColumnName),
                     (nameof(ScoreColumnName), ScoreColumnName), (nameof(PredictedLabelColumnName), PredictedLabelColumnName),
                 })
        {
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{name} must not be empty.", name);
        }
        if (ScoreColumnName == PredictedLabelColumnName)
            throw new ArgumentException($"{nameof(ScoreColumnName)} and {nameof(PredictedLabelColumnName)} are both '{ScoreColumnName}'; the two output columns need different names.", nameof(PredictedLabelColumnName));
        if (ScoreColumnName == FeatureColumnName || PredictedLabelColumnName == FeatureColumnName)
        {
            var output = ScoreColumnName == FeatureColumnName ? nameof(ScoreColumnName) : nameof(PredictedLabelColumnName);
            throw new ArgumentException($"{output} and {nameof(FeatureColumnName)} are both '{FeatureColumnName}': the output column would hide the image column, " +
                $"and the model could not be saved (its ONNX graph reads the image column by name). Name the output column otherwise.", output);
        }
        if (MlNetScoringChain.ColumnNameProblem(FeatureColumnName, ScoreColumnName, PredictedLabelColumnName, TransferLearning.FeaturesColumnName) is { } problem)
            throw new ArgumentException(problem);
        if (CustomArchitecture is null)
        {
            if (string.IsNullOrWhiteSpace(Architecture)) throw new ArgumentException($"{nameof(Architecture)} must not be empty.", nameof(Architecture));
            CnnArchitectures.Get(Architecture);
        }
        TransferLearning.Validate(this);
    }

    private static void RequireSet(object? value, string name)
    {
        if (value is null) throw new ArgumentNullException(name, $"{name} must not be null.");
    }

    // An enum property set to a number outside its names (a cast, a deserialized int) would silently act as the default.
    private static void RequireDefined<T>(T value, string name) where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)}, not one of its values: {string.Join(", ", Enum.GetNames<T>())}.");
    }

    /// <summary>One line for the console and the training log: the optimizer and the schedule, e.g. "Adam lr 0.001, cosine".</summary>
    internal string DescribeOptimizer() => Schedule is { } schedule ? $"{Optimizer}, {schedule}" : Optimizer.ToString();

    /// <summary>The network trained: <see cref="CustomArchitecture"/>, else the registry's <see cref="Architecture"/>.</summary>
    internal CnnArchitecture ResolveArchitecture() => CustomArchitecture ?? CnnArchitectures.Get(Architecture);
}
