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

    /// <summary>The score column the transformer adds: a vector of softmax probabilities, slot i for class index i. Default "Score".</summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>The predicted-label column the transformer adds, of the label's key type. Default "PredictedLabel".</summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>Registry name of the network (<see cref="CnnArchitectures"/>). Default <see cref="CnnArchitectures.MnistCnn"/>.</summary>
    public string Architecture { get; set; } = CnnArchitectures.MnistCnn;

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

    /// <summary>Passes over the training data. Default 3.</summary>
    public int Epochs { get; set; } = 3;

    /// <summary>Examples per training step. Default 64.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Adam's learning rate. Default 1e-3.</summary>
    public double LearningRate { get; set; } = 1e-3;

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

    /// <summary>libtorch intra-op threads (process-wide). Null leaves libtorch's default (one per core).</summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>
    /// Whether training uses libtorch's oneDNN convolutions. Default <see cref="OneDnnMode.Auto"/>: off only for
    /// networks with convolution shapes whose oneDNN gradients are wrong in libtorch 2.10.
    /// </summary>
    public OneDnnMode OneDnn { get; set; } = OneDnnMode.Auto;

    /// <summary>
    /// Start from these weights instead of a random initialisation: a PyTorch <c>state_dict</c> saved with
    /// <c>torch.save(model.state_dict(), path)</c> (<c>.pt</c>/<c>.pth</c>) or a <c>.safetensors</c> file, e.g. torchvision's
    /// ImageNet weights or <see cref="Scoring.CnnTransformer.SaveWeights"/> output. Names and shapes must match the
    /// network exactly; a <see cref="Interop.StateDictMismatchException"/> lists every difference. Null (default): random.
    /// </summary>
    public string? InitialWeights { get; set; }

    /// <summary>
    /// With <see cref="InitialWeights"/>: keep the architecture's classifier layer (<see cref="CnnArchitecture.ClassifierName"/>)
    /// freshly initialised for the label's class count and ignore the file's, so weights trained for other classes
    /// (1,000 ImageNet classes, digits 0–4) start a new task. Default false.
    /// </summary>
    public bool ReplaceClassifier { get; set; }

    /// <summary>
    /// With <see cref="InitialWeights"/>: train only the classifier layer for this many epochs, with the backbone's
    /// weights and BatchNorm statistics frozen, then the whole network (a number ≥ <see cref="Epochs"/> trains the
    /// classifier alone: a linear probe). Default 0.
    /// </summary>
    public int FreezeBackboneEpochs { get; set; }

    /// <summary>
    /// The learning rate of the epochs after <see cref="FreezeBackboneEpochs"/>, as a multiple of <see cref="LearningRate"/>
    /// (e.g. 0.1 to fine-tune the pretrained layers gently). Default 1.
    /// </summary>
    public double UnfrozenLearningRateFactor { get; set; } = 1.0;

    /// <summary>
    /// Keep every BatchNorm layer in eval mode while training, so its running mean and variance stay those of
    /// <see cref="InitialWeights"/> (its affine weights still learn unless frozen). Default false.
    /// </summary>
    public bool FreezeBatchNormStatistics { get; set; }

    /// <summary>
    /// Also output the penultimate features — the input of the classifier layer, flattened — as a known-size
    /// <c>vector&lt;float&gt;</c> column of this name, for any ML.NET trainer to use (LightGbm, SDCA) with the CNN as a
    /// feature extractor. Not to be confused with <see cref="FeatureColumnName"/>, the image column read. Null (default): off.
    /// </summary>
    public string? FeaturesColumnName { get; set; }

    /// <summary>
    /// Where to write a training checkpoint at the end of every epoch (null: none). The file is replaced atomically
    /// (a temporary file in the same folder, flushed to disk, renamed over it), so it always holds the last finished
    /// epoch: the weights, Adam's state, the epoch and step counts, the seed and libtorch's generator state. Its folder
    /// must exist. Format: docs/checkpoint-format.md.
    /// </summary>
    public string? CheckpointPath { get; set; }

    /// <summary>
    /// A checkpoint written through <see cref="CheckpointPath"/> to continue training from (null: start afresh).
    /// <see cref="Epochs"/> counts every epoch of the run, those already done included: a run of 3 epochs stopped
    /// after 2 resumes with <c>Epochs = 3</c> and trains one more. The options (architecture, shape, columns, batch
    /// size, learning rate, seed if set) and the training data must be those of the interrupted run; <c>Fit</c>
    /// throws <see cref="InvalidOperationException"/> naming the first difference. On the CPU with one thread the
    /// result is bitwise the weights of the uninterrupted run. A damaged file throws <see cref="InvalidDataException"/>.
    /// </summary>
    public string? ResumeFrom { get; set; }

    internal void Validate()
    {
        if (Epochs < 1 && !(Epochs == 0 && InitialWeights is not null && !ReplaceClassifier))
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs,
                "Epochs must be at least 1 (0 is allowed with InitialWeights and without ReplaceClassifier: the transformer then scores the loaded weights as they are).");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be a positive finite number.");
        if (ReportEveryBatches < 0) throw new ArgumentOutOfRangeException(nameof(ReportEveryBatches), ReportEveryBatches, "ReportEveryBatches must be 0 or more.");
        if (ValidateEveryBatches < 0) throw new ArgumentOutOfRangeException(nameof(ValidateEveryBatches), ValidateEveryBatches, "ValidateEveryBatches must be 0 or more.");
        if (ScoringBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(ScoringBatchSize), ScoringBatchSize, "ScoringBatchSize must be at least 1.");
        if (NumberOfThreads is < 1) throw new ArgumentOutOfRangeException(nameof(NumberOfThreads), NumberOfThreads, "NumberOfThreads must be at least 1.");
        if (CheckpointPath is not null && string.IsNullOrWhiteSpace(CheckpointPath))
            throw new ArgumentException("CheckpointPath must be a file path or null.", nameof(CheckpointPath));
        if (ResumeFrom is not null && string.IsNullOrWhiteSpace(ResumeFrom))
            throw new ArgumentException("ResumeFrom must be a file path or null.", nameof(ResumeFrom));
        foreach (var (name, value) in new[]
                 {
                     (nameof(LabelColumnName), LabelColumnName), (nameof(FeatureColumnName), FeatureColumnName), (nameof(Architecture), Architecture),
                     (nameof(ScoreColumnName), ScoreColumnName), (nameof(PredictedLabelColumnName), PredictedLabelColumnName),
                 })
        {
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{name} must not be empty.", name);
        }
        if (ScoreColumnName == PredictedLabelColumnName)
            throw new ArgumentException($"{nameof(ScoreColumnName)} and {nameof(PredictedLabelColumnName)} are both '{ScoreColumnName}'; the two output columns need different names.", nameof(PredictedLabelColumnName));
        CnnArchitectures.Get(Architecture);
        TransferLearningOptions.Validate(this);
    }
}
