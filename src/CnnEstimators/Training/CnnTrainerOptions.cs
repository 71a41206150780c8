using CnnMl.Abstractions;
using CnnMl.Architectures;
using Microsoft.ML;

namespace CnnMl.Training;

/// <summary>
/// Options for <see cref="CnnTrainer"/>. Defaults are the source document's MNIST settings:
/// Adam, learning rate 1e-3, batch 64, 3 epochs, a report every 100 batches.
/// </summary>
public sealed class CnnTrainerOptions
{
    /// <summary>The key-typed label column. Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The image column: a known-size <c>vector&lt;float&gt;</c> of C·H·W values (channels first). Default "Image".</summary>
    public string FeatureColumnName { get; set; } = "Image";

    /// <summary>Registry name of the network (<see cref="CnnArchitectures"/>). Default <see cref="CnnArchitectures.MnistCnn"/>.</summary>
    public string Architecture { get; set; } = CnnArchitectures.MnistCnn;

    /// <summary>
    /// A network to train that need not be in the registry: when set, it is used and <see cref="Architecture"/> is
    /// ignored. Build one with <c>new CnnArchitecture(name, description, input, classes, factory)</c> to train your own
    /// module without <see cref="CnnArchitectures.Register"/>, which changes the registry for the whole process. The
    /// model's <c>Definition.Architecture</c> records its <see cref="CnnArchitecture.Name"/>.
    /// </summary>
    public CnnArchitecture? CustomArchitecture { get; set; }

    /// <summary>Shape of one example, channels first. Null: the architecture's default input (1×28×28 for the MNIST networks).</summary>
    public ImageShape? ImageShape { get; set; }

    /// <summary>Passes over the training data. Default 3.</summary>
    public int Epochs { get; set; } = 3;

    /// <summary>Examples per training step. Default 64.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>The optimizer's (base) learning rate. Default 1e-3.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>The optimizer. Default <see cref="CnnOptimizer.Adam"/>, the source document's.</summary>
    public CnnOptimizer Optimizer { get; set; } = CnnOptimizer.Adam;

    /// <summary>
    /// Weight decay. Null (default): the optimizer's PyTorch default — 0 for Adam and SGD, 0.01 for AdamW. Adam and SGD
    /// add decay × weight to the gradient; AdamW shrinks the weights directly (see <see cref="CnnOptimizer"/>).
    /// </summary>
    public double? WeightDecay { get; set; }

    /// <summary>SGD's momentum, in [0, 1). Default 0 (PyTorch's: plain SGD). Ignored by Adam and AdamW.</summary>
    public double Momentum { get; set; }

    /// <summary>SGD with Nesterov momentum (needs <see cref="Momentum"/> &gt; 0, as in PyTorch). Default false.</summary>
    public bool Nesterov { get; set; }

    /// <summary>
    /// The learning rate per step: <see cref="ConstantLearningRate"/>, <see cref="StepLearningRate"/>,
    /// <see cref="CosineLearningRate"/> or <see cref="OneCycleLearningRate"/>, each with optional warm-up. Null (default):
    /// <see cref="LearningRate"/> at every step.
    /// </summary>
    public LearningRateSchedule? LearningRateSchedule { get; set; }

    /// <summary>Stop when the validation metric stops improving and keep the best weights (needs <see cref="ValidationSet"/>). Null (default): train every epoch.</summary>
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
    /// Seed for weight initialisation and the per-epoch shuffles. Null: drawn from the <see cref="MLContext"/>'s
    /// seed, so <c>new MLContext(seed: 1)</c> makes training repeatable.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>Report progress every this many batches (0: only at the end of each epoch). Default 100.</summary>
    public int ReportEveryBatches { get; set; } = 100;

    /// <summary>Optional data to measure accuracy on while training (same columns as the training data).</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>
    /// Measure validation accuracy every this many batches, as the source document does every 100;
    /// 0 (default): only at the end of each epoch. Validation time is excluded from the training time.
    /// </summary>
    public int ValidateEveryBatches { get; set; }

    /// <summary>Receives each progress report (also written to <c>MLContext.Log</c>).</summary>
    public IProgress<TrainingReport>? Progress { get; set; }

    /// <summary>Checked before every batch; cancelling stops <c>Fit</c> with <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Rows per forward pass when scoring. Default 256.</summary>
    public int ScoringBatchSize { get; set; } = 256;

    /// <summary>
    /// libtorch intra-op threads while <c>Fit</c> runs, set on the calling thread and put back when <c>Fit</c> returns.
    /// Null leaves the thread's count (libtorch's default: one per core; but a thread that has never used libtorch starts
    /// from the count set last on any thread, so set it when results must repeat). One thread makes training bit-for-bit
    /// repeatable across processes.
    /// </summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>
    /// libtorch intra-op threads for each scoring forward pass (set on the scoring thread for that pass, then put back).
    /// Null (default): one thread for one-row passes, as a prediction engine makes them (parallel regions cost more
    /// than they save for one image, and much more on a busy machine), and the thread's own count for batches.
    /// </summary>
    public int? ScoringThreads { get; set; }

    /// <summary>
    /// Whether training uses libtorch's oneDNN convolutions. Default <see cref="OneDnnMode.Auto"/>: off only for
    /// networks with convolution shapes whose oneDNN gradients are wrong in libtorch 2.10.
    /// </summary>
    public OneDnnMode OneDnn { get; set; } = OneDnnMode.Auto;

    internal void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be a positive finite number.");
        if (ReportEveryBatches < 0) throw new ArgumentOutOfRangeException(nameof(ReportEveryBatches), ReportEveryBatches, "ReportEveryBatches must be 0 or more.");
        if (ValidateEveryBatches < 0) throw new ArgumentOutOfRangeException(nameof(ValidateEveryBatches), ValidateEveryBatches, "ValidateEveryBatches must be 0 or more.");
        if (ScoringBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(ScoringBatchSize), ScoringBatchSize, "ScoringBatchSize must be at least 1.");
        if (NumberOfThreads is < 1) throw new ArgumentOutOfRangeException(nameof(NumberOfThreads), NumberOfThreads, "NumberOfThreads must be at least 1.");
        if (ScoringThreads is < 1) throw new ArgumentOutOfRangeException(nameof(ScoringThreads), ScoringThreads, "ScoringThreads must be at least 1.");
        if (WeightDecay is { } decay && (!(decay >= 0) || double.IsInfinity(decay)))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "WeightDecay must be a finite number, 0 or more.");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Momentum must be in [0, 1).");
        if (Nesterov && (Optimizer != CnnOptimizer.Sgd || Momentum == 0))
            throw new ArgumentException($"Nesterov momentum needs Optimizer = Sgd and Momentum > 0 (got {Optimizer}, Momentum {Momentum}).", nameof(Nesterov));
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1)) throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "LabelSmoothing must be in [0, 1).");
        if (ClassWeights is { } weights)
        {
            if (weights.Any(w => !(w >= 0) || float.IsInfinity(w)) || weights.All(w => w == 0))
                throw new ArgumentException($"ClassWeights must be finite, 0 or more, and not all 0 (got {string.Join(", ", weights)}).", nameof(ClassWeights));
        }
        if (EarlyStopping is not null && ValidationSet is null)
            throw new ArgumentException("EarlyStopping watches the validation set: set ValidationSet too.", nameof(EarlyStopping));
        foreach (var (name, value) in new[] { (nameof(LabelColumnName), LabelColumnName), (nameof(FeatureColumnName), FeatureColumnName) })
        {
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{name} must not be empty.", name);
        }
        if (CustomArchitecture is null)
        {
            if (string.IsNullOrWhiteSpace(Architecture)) throw new ArgumentException($"{nameof(Architecture)} must not be empty.", nameof(Architecture));
            CnnArchitectures.Get(Architecture);
        }
    }

    /// <summary>The network trained: <see cref="CustomArchitecture"/>, else the registry's <see cref="Architecture"/>.</summary>
    internal CnnArchitecture ResolveArchitecture() => CustomArchitecture ?? CnnArchitectures.Get(Architecture);
}
