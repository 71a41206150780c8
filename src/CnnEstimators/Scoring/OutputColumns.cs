using CnnMl.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Scoring;

/// <summary>The two columns a <see cref="CnnTransformer"/> adds, with ML.NET's multiclass annotations.</summary>
internal static class OutputColumns
{
    public const string Score = "Score";
    public const string PredictedLabel = "PredictedLabel";

    /// <summary>
    /// Input columns (all, hidden ones too) followed by Score and PredictedLabel, and the penultimate features
    /// column when <paramref name="features"/> names one.
    /// </summary>
    public static DataViewSchema Build(DataViewSchema input, int classes, DataViewSchema.Annotations labelKeyValues,
        (string Name, int Length)? features = null)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(Score, new VectorDataViewType(NumberDataViewType.Single, classes), ScoreAnnotations(labelKeyValues, classes));
        builder.AddColumn(PredictedLabel, new KeyDataViewType(typeof(uint), classes), PredictedLabelAnnotations(labelKeyValues));
        if (features is { } f) builder.AddColumn(f.Name, new VectorDataViewType(NumberDataViewType.Single, f.Length));
        return builder.ToSchema();
    }

    private static DataViewSchema.Annotations ScoreAnnotations(DataViewSchema.Annotations keyValues, int classes)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (keyValues.Schema.GetColumnOrNull(KeyValueAnnotations.Kind) is { Type: VectorDataViewType { ItemType: TextDataViewType } } names)
        {
            // SlotNames name each probability after its class, as ML.NET's own multiclass trainers do.
            builder.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, classes), keyValues.GetGetter<VBuffer<ReadOnlyMemory<char>>>(names));
        }
        AddScoreKind(builder, "Score");
        return builder.ToAnnotations();
    }

    private static DataViewSchema.Annotations PredictedLabelAnnotations(DataViewSchema.Annotations keyValues)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(keyValues, kind => kind == KeyValueAnnotations.Kind);
        AddScoreKind(builder, "PredictedLabel");
        return builder.ToAnnotations();
    }

    private static void AddScoreKind(DataViewSchema.Annotations.Builder builder, string valueKind)
    {
        builder.Add("ScoreColumnKind", TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = "MulticlassClassification".AsMemory());
        builder.Add("ScoreValueKind", TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = valueKind.AsMemory());
    }
}
