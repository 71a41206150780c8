using CnnMl.Architectures;

namespace CnnMl.Training;

/// <summary>Checks the transfer-learning and feature options of <see cref="CnnTrainerOptions"/> together.</summary>
internal static class TransferLearningOptions
{
    public static void Validate(CnnTrainerOptions options)
    {
        if (options.InitialWeights is { } path && string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("InitialWeights must be a file path or null.", nameof(CnnTrainerOptions.InitialWeights));
        if (options.ReplaceClassifier && options.InitialWeights is null)
            throw new ArgumentException("ReplaceClassifier applies to InitialWeights: set InitialWeights to a .pt/.pth/.safetensors file, or leave ReplaceClassifier false.",
                nameof(CnnTrainerOptions.ReplaceClassifier));
        if (options.FreezeBackboneEpochs < 0)
            throw new ArgumentOutOfRangeException(nameof(CnnTrainerOptions.FreezeBackboneEpochs), options.FreezeBackboneEpochs, "FreezeBackboneEpochs must be 0 or more.");
        if (options.FreezeBackboneEpochs > 0 && options.InitialWeights is null)
            throw new ArgumentException(
                "FreezeBackboneEpochs freezes pretrained layers: set InitialWeights (freezing a random backbone would train the classifier on random features).",
                nameof(CnnTrainerOptions.FreezeBackboneEpochs));
        if (!(options.UnfrozenLearningRateFactor > 0) || double.IsInfinity(options.UnfrozenLearningRateFactor))
            throw new ArgumentOutOfRangeException(nameof(CnnTrainerOptions.UnfrozenLearningRateFactor), options.UnfrozenLearningRateFactor,
                "UnfrozenLearningRateFactor must be a positive finite number (1 keeps the learning rate).");
        var architecture = options.ResolveArchitecture();
        var needsClassifier = options.ReplaceClassifier || options.FreezeBackboneEpochs > 0 || options.FeaturesColumnName is not null;
        if (needsClassifier && architecture.ClassifierName is null)
            throw new ArgumentException(
                $"Architecture '{architecture.Name}' does not name its classifier layer, which ReplaceClassifier, FreezeBackboneEpochs and FeaturesColumnName need. " +
                "Register it with ClassifierName set to the state-dict prefix of its last layer.", nameof(CnnTrainerOptions.Architecture));
        if (options.FeaturesColumnName is { } features)
        {
            if (string.IsNullOrWhiteSpace(features))
                throw new ArgumentException("FeaturesColumnName must be a column name or null.", nameof(CnnTrainerOptions.FeaturesColumnName));
            if (features == options.FeatureColumnName || features == options.LabelColumnName || features == options.ScoreColumnName || features == options.PredictedLabelColumnName)
                throw new ArgumentException(
                    $"FeaturesColumnName '{features}' would hide the '{features}' column; choose another name (e.g. \"CnnFeatures\"). " +
                    "FeaturesColumnName is the output of penultimate features; FeatureColumnName is the image column read.",
                    nameof(CnnTrainerOptions.FeaturesColumnName));
        }
    }
}
