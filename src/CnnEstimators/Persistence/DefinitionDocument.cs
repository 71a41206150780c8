using System.Text.Json.Serialization;
using CnnMl.Architectures;

namespace CnnMl.Persistence;

/// <summary>
/// definition.json: what, besides the weights, rebuilds a trained transformer — the architecture, input shape,
/// classes, columns and inference form (a <c>CnnModelDefinition</c>), the label's typed key values and the
/// scoring batch size.
/// </summary>
internal sealed record DefinitionDocument
{
    /// <summary>Registry name of the architecture (<see cref="CnnArchitectures"/>).</summary>
    public required string Architecture { get; init; }

    /// <summary>Shape of one example, channels first, e.g. [1, 28, 28].</summary>
    public required long[] ImageShape { get; init; }

    /// <summary>Number of classes (the label's key count).</summary>
    public required int ClassCount { get; init; }

    /// <summary>The label's key values, or null when the label had none.</summary>
    public required LabelKeyValues? LabelKeyValues { get; init; }

    /// <summary>The image column read when scoring.</summary>
    public required string FeatureColumnName { get; init; }

    /// <summary>The label column used in training.</summary>
    public required string LabelColumnName { get; init; }

    /// <summary>The score column the transformer adds.</summary>
    public required string ScoreColumnName { get; init; }

    /// <summary>The predicted-label column the transformer adds.</summary>
    public required string PredictedLabelColumnName { get; init; }

    /// <summary>
    /// The penultimate-features column the transformer also adds, or null (absent from the file) when it adds none.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FeaturesColumnName { get; init; }

    /// <summary>True when the weights are the architecture's inference form (CondenseNet's condensed model).</summary>
    public required bool ConvertedForInference { get; init; }

    /// <summary>Rows per forward pass of the saved transformer, kept so the loaded one batches alike.</summary>
    public required int ScoringBatchSize { get; init; }

    /// <summary><see cref="ImageShape"/> as a shape (after <see cref="Validate"/>).</summary>
    [JsonIgnore]
    public CnnMl.Abstractions.ImageShape Shape => new(ImageShape);

    /// <summary>The key values as text, or null.</summary>
    [JsonIgnore]
    public IReadOnlyList<string>? ClassNames => LabelKeyValues?.Values;

    /// <summary>Checks every field against <see cref="CheckpointLimits"/> and the registry.</summary>
    /// <exception cref="InvalidDataException">Names the field, its value and the rule.</exception>
    public void Validate()
    {
        const string entry = CheckpointEntries.Definition;
        if (!CnnArchitectures.TryGet(Architecture, out _))
            throw new InvalidDataException($"{entry}: architecture '{SafetensorsReader.Shorten(Architecture)}' is not registered in this CnnMl (known: {string.Join(", ", CnnArchitectures.All.Select(a => a.Name))}).");
        if (ImageShape.Length is < 2 or > CheckpointLimits.MaxImageRank)
            throw new InvalidDataException($"{entry}: imageShape has {ImageShape.Length} dimensions; expected channels and 1 to {CheckpointLimits.MaxImageRank - 1} spatial sizes.");
        if (ImageShape.Any(d => d is < 1 or > CheckpointLimits.MaxImageDimension))
            throw new InvalidDataException($"{entry}: imageShape [{string.Join(", ", ImageShape)}] has a dimension outside 1..{CheckpointLimits.MaxImageDimension}.");
        if (ImageShape.Aggregate(1L, (a, b) => a * b) > CheckpointLimits.MaxImageElements)
            throw new InvalidDataException($"{entry}: imageShape [{string.Join(", ", ImageShape)}] has more than {CheckpointLimits.MaxImageElements} values.");
        if (ClassCount is < 2 or > CheckpointLimits.MaxClasses)
            throw new InvalidDataException($"{entry}: classCount {ClassCount} is outside 2..{CheckpointLimits.MaxClasses}.");
        LabelKeyValues?.Validate(ClassCount, entry);
        CheckColumn(FeatureColumnName, "featureColumnName");
        CheckColumn(LabelColumnName, "labelColumnName");
        CheckColumn(ScoreColumnName, "scoreColumnName");
        CheckColumn(PredictedLabelColumnName, "predictedLabelColumnName");
        if (ScoreColumnName == PredictedLabelColumnName)
            throw new InvalidDataException($"{CheckpointEntries.Definition}: scoreColumnName and predictedLabelColumnName are both '{SafetensorsReader.Shorten(ScoreColumnName)}'.");
        if (FeaturesColumnName is { } features)
        {
            CheckColumn(features, "featuresColumnName");
            if (features == ScoreColumnName || features == PredictedLabelColumnName || features == FeatureColumnName)
                throw new InvalidDataException($"{entry}: featuresColumnName '{SafetensorsReader.Shorten(features)}' repeats another column's name.");
        }
        if (ScoringBatchSize is < 1 or > 1 << 16)
            throw new InvalidDataException($"{entry}: scoringBatchSize {ScoringBatchSize} is outside 1..65536.");
    }

    private static void CheckColumn(string name, string field)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > CheckpointLimits.MaxNameLength)
            throw new InvalidDataException($"{CheckpointEntries.Definition}: {field} must be a column name of 1 to {CheckpointLimits.MaxNameLength} characters.");
    }
}
