
namespace CnnMl.Scoring;

/// <summary>
/// Everything besides the weights that is needed to rebuild a trained <see cref="CnnTransformer"/>:
/// the architecture, its input, its classes and the columns it reads.
/// </summary>
public sealed record CnnModelDefinition
{
    /// <summary>Registry name of the architecture.</summary>
    public required string Architecture { get; init; }

    /// <summary>Shape of one example, channels first.</summary>
    public required ImageShape ImageShape { get; init; }

    /// <summary>Number of classes (the label key count).</summary>
    public required int ClassCount { get; init; }

    /// <summary>The label's key values in key order (class index i ↔ ClassNames[i]), or null if the label had none.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>The image column read at scoring time.</summary>
    public required string FeatureColumnName { get; init; }

    /// <summary>The label column used in training.</summary>
    public required string LabelColumnName { get; init; }

    /// <summary>The score column the transformer adds (softmax probabilities). Default "Score".</summary>
    public string ScoreColumnName { get; init; } = OutputColumns.DefaultScore;

    /// <summary>The predicted-label column the transformer adds (the label's key type). Default "PredictedLabel".</summary>
    public string PredictedLabelColumnName { get; init; } = OutputColumns.DefaultPredictedLabel;

    /// <summary>The column of penultimate features the transformer adds, or null (<see cref="Training.TransferLearningOptions.FeaturesColumnName"/>).</summary>
    public string? FeaturesColumnName { get; init; }

    /// <summary>True when the module is the architecture's inference form (<see cref="IConvertibleAfterTraining"/>).</summary>
    public bool IsConvertedForInference { get; init; }
}
