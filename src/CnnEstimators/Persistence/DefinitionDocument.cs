using CnnMl.Architectures;
using CnnMl.Scoring;

namespace CnnMl.Persistence;

/// <summary>
/// definition.json: the <see cref="CnnModelDefinition"/> (architecture, input shape, classes, columns, inference
/// form) plus the label's typed key values and the scoring batch size — everything besides the weights that
/// rebuilds the transformer.
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

    /// <summary>True when the weights are the architecture's inference form (CondenseNet's condensed model).</summary>
    public required bool ConvertedForInference { get; init; }

    /// <summary>Rows per forward pass of the saved transformer, kept so the loaded one batches alike.</summary>
    public required int ScoringBatchSize { get; init; }

    /// <summary>The document for a definition, its label key values and its scoring batch size.</summary>
    public static DefinitionDocument From(CnnModelDefinition definition, LabelKeyValues? keyValues, int scoringBatchSize) => new()
    {
        Architecture = CnnArchitectures.Get(definition.Architecture).Name,
        ImageShape = definition.ImageShape.Dimensions.ToArray(),
        ClassCount = definition.ClassCount,
        LabelKeyValues = keyValues,
        FeatureColumnName = definition.FeatureColumnName,
        LabelColumnName = definition.LabelColumnName,
        ConvertedForInference = definition.IsConvertedForInference,
        ScoringBatchSize = scoringBatchSize,
    };

    /// <summary>Checks every field against <see cref="CheckpointLimits"/> and the registry, and builds the definition.</summary>
    /// <exception cref="InvalidDataException">Names the field, its value and the rule.</exception>
    public CnnModelDefinition ToDefinition()
    {
        const string entry = CheckpointEntries.Definition;
        if (!CnnArchitectures.TryGet(Architecture, out var architecture))
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
        if (ScoringBatchSize is < 1 or > 1 << 16)
            throw new InvalidDataException($"{entry}: scoringBatchSize {ScoringBatchSize} is outside 1..65536.");
        return new CnnModelDefinition
        {
            Architecture = architecture!.Name,
            ImageShape = new ImageShape(ImageShape),
            ClassCount = ClassCount,
            ClassNames = LabelKeyValues?.Values,
            FeatureColumnName = FeatureColumnName,
            LabelColumnName = LabelColumnName,
            IsConvertedForInference = ConvertedForInference,
        };
    }

    private static void CheckColumn(string name, string field)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > CheckpointLimits.MaxNameLength)
            throw new InvalidDataException($"{CheckpointEntries.Definition}: {field} must be a column name of 1 to {CheckpointLimits.MaxNameLength} characters.");
    }
}
