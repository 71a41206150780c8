using CnnMl.Architectures;
using CnnMl.Persistence;
using Microsoft.ML;

namespace CnnMl.Scoring;

/// <summary>Converts between a <see cref="CnnModelDefinition"/> and the checkpoint's definition.json.</summary>
internal static class DefinitionDocuments
{
    /// <summary>The document for a definition, the label's key-value annotation and a scoring batch size.</summary>
    /// <exception cref="NotSupportedException">The key values are of a type a checkpoint cannot store.</exception>
    public static DefinitionDocument ToDocument(CnnModelDefinition definition, DataViewSchema.Annotations labelKeyValues, int scoringBatchSize) => new()
    {
        Architecture = CnnArchitectures.Get(definition.Architecture).Name,
        ImageShape = definition.ImageShape.Dimensions.ToArray(),
        ClassCount = definition.ClassCount,
        LabelKeyValues = LabelKeyValues.From(labelKeyValues),
        FeatureColumnName = definition.FeatureColumnName,
        LabelColumnName = definition.LabelColumnName,
        ScoreColumnName = definition.ScoreColumnName,
        PredictedLabelColumnName = definition.PredictedLabelColumnName,
        FeaturesColumnName = definition.FeaturesColumnName,
        ConvertedForInference = definition.IsConvertedForInference,
        ScoringBatchSize = scoringBatchSize,
    };

    /// <summary>The definition a validated document describes.</summary>
    public static CnnModelDefinition ToDefinition(DefinitionDocument document) => new()
    {
        Architecture = CnnArchitectures.Get(document.Architecture).Name,
        ImageShape = document.Shape,
        ClassCount = document.ClassCount,
        ClassNames = document.ClassNames,
        FeatureColumnName = document.FeatureColumnName,
        LabelColumnName = document.LabelColumnName,
        ScoreColumnName = document.ScoreColumnName,
        PredictedLabelColumnName = document.PredictedLabelColumnName,
        FeaturesColumnName = document.FeaturesColumnName,
        IsConvertedForInference = document.ConvertedForInference,
    };
}
