using CnnMl.Architectures;

namespace CnnMl.Training;

/// <summary>
/// Starting from trained weights, and reading the network's penultimate features (<see cref="CnnTrainerOptions.TransferLearning"/>).
/// </summary>
public sealed class TransferLearningOptions
{
    /// <summary>
    /// Start from these weights instead of a random initialization: a PyTorch <c>state_dict</c> saved with
    /// <c>torch.save(model.state_dict(), path)</c> (<c>.pt</c>/<c>.pth</c>) or a <c>.safetensors</c> file, e.g. torchvision's
    /// ImageNet weights or <see cref="Scoring.CnnTransformer.SaveWeights"/> output. Names and shapes must match the
    /// network exactly; a <see cref="Interop.StateDictMismatchException"/> lists every difference. Null (default): random.
    /// </summary>
    public string? InitialWeights { get; set; }

    /// <summary>
    /// With <see cref="InitialWeights"/>: keep the architecture's classifier layer (<see cref="CnnArchitecture.ClassifierName"/>)
    /// freshly initialized for the label's class count and ignore the file's, so weights trained for other classes
    /// (1,000 ImageNet classes, digits 0–4) start a new task. Default false.
    /// </summary>
    public bool ReplaceClassifier { get; set; }

    /// <summary>
    /// With <see cref="InitialWeights"/>: train only the classifier layer for this many epochs, with the backbone's
    /// weights and BatchNorm statistics frozen, then the whole network (a number ≥ <see cref="CnnTrainerOptions.Epochs"/>
    /// trains the classifier alone: a linear probe). Default 0.
    /// </summary>
    public int FreezeBackboneEpochs { get; set; }

    /// <summary>
    /// The learning rate of the epochs after <see cref="FreezeBackboneEpochs"/>, as a multiple of the optimizer's
    /// learning rate (e.g. 0.1 to fine-tune the pretrained layers gently). Default 1.
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
    /// feature extractor. Not to be confused with <see cref="CnnTrainerOptions.FeatureColumnName"/>, the image column
    /// read. Null (default): off.
    /// </summary>
    public string? FeaturesColumnName { get; set; }

    /// <summary>Checks these options together and against the rest of <paramref name="options"/>.</summary>
    internal void Validate(CnnTrainerOptions options)
    {
        if (InitialWeights is { } path && string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("TransferLearning.InitialWeights must be a file path or null.", "TransferLearning.InitialWeights");
        if (ReplaceClassifier && InitialWeights is null)
            throw new ArgumentException("TransferLearning.ReplaceClassifier applies to InitialWeights: set InitialWeights to a .pt/.pth/.safetensors file, or leave ReplaceClassifier false.",
                "TransferLearning.ReplaceClassifier");
        if (FreezeBackboneEpochs < 0)
            throw new ArgumentOutOfRangeException("TransferLearning.FreezeBackboneEpochs", FreezeBackboneEpochs, "TransferLearning.FreezeBackboneEpochs must be 0 or more.");
        if (FreezeBackboneEpochs > 0 && InitialWeights is null)
            throw new ArgumentException(
                "TransferLearning.FreezeBackboneEpochs freezes pretrained layers: set InitialWeights (freezing a random backbone would train the classifier on random features).",
                "TransferLearning.FreezeBackboneEpochs");
        if (!(UnfrozenLearningRateFactor > 0) || double.IsInfinity(UnfrozenLearningRateFactor))
            throw new ArgumentOutOfRangeException("TransferLearning.UnfrozenLearningRateFactor", UnfrozenLearningRateFactor,
                "TransferLearning.UnfrozenLearningRateFactor must be a positive finite number (1 keeps the learning rate).");
        var architecture = options.ResolveArchitecture();
        var needsClassifier = ReplaceClassifier || FreezeBackboneEpochs > 0 || FeaturesColumnName is not null;
        if (needsClassifier && architecture.ClassifierName is null)
            throw new ArgumentException(
                $"Architecture '{architecture.Name}' does not name its classifier layer, which ReplaceClassifier, FreezeBackboneEpochs and FeaturesColumnName need. " +
                "Register it with ClassifierName set to the state-dict prefix of its last layer.", nameof(CnnTrainerOptions.Architecture));
        if (FeaturesColumnName is { } features)
        {
            if (string.IsNullOrWhiteSpace(features))
                throw new ArgumentException("TransferLearning.FeaturesColumnName must be a column name or null.", "TransferLearning.FeaturesColumnName");
            if (features == options.FeatureColumnName || features == options.LabelColumnName || features == options.ScoreColumnName || features == options.PredictedLabelColumnName)
                throw new ArgumentException(
                    $"FeaturesColumnName '{features}' would hide the '{features}' column; choose another name (e.g. \"CnnFeatures\"). " +
                    "FeaturesColumnName is the output of penultimate features; FeatureColumnName is the image column read.",
                    "TransferLearning.FeaturesColumnName");
        }
    }
}
