using CnnMl.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Scoring;

/// <summary>
/// The two columns a <see cref="CnnTransformer"/> adds, with the annotations ML.NET's own multiclass trainers
/// put on theirs: the score's <c>SlotNames</c> (text class names) and <c>TrainingLabelValues</c>, the predicted
/// label's <c>KeyValues</c>, and on both <c>ScoreColumnSetId</c>, <c>ScoreColumnKind</c> and <c>ScoreValueKind</c>.
/// </summary>
internal static class OutputColumns
{
    /// <summary>Default name of the score column (ML.NET's).</summary>
    public const string DefaultScore = "Score";

    /// <summary>Default name of the predicted-label column (ML.NET's).</summary>
    public const string DefaultPredictedLabel = "PredictedLabel";

    private const string SlotNames = "SlotNames";
    private const string TrainingLabelValues = "TrainingLabelValues";
    private const string ScoreColumnSetId = "ScoreColumnSetId";
    private const string ScoreColumnKind = "ScoreColumnKind";
    private const string ScoreValueKind = "ScoreValueKind";
    private const string MulticlassKind = "MulticlassClassification";

    /// <summary>ML.NET's type for <c>ScoreColumnSetId</c> (<c>AnnotationUtils.ScoreColumnSetIdType</c>).</summary>
    private static readonly KeyDataViewType ScoreColumnSetIdType = new(typeof(uint), int.MaxValue);

    /// <summary>
    /// What <see cref="Build"/> will add, as a <see cref="SchemaShape"/>: the input's columns (minus those the two
    /// output columns hide) and the two columns, described from a schema built by <see cref="Build"/> itself so
    /// that the promise is the delivery. Only the label's shape is known here (not its key count or key values),
    /// and a <see cref="SchemaShape"/> records neither vector sizes nor key counts, so stand-ins of the right types serve.
    /// </summary>
    public static SchemaShape Promise(SchemaShape input, SchemaShape.Column label, string scoreColumn, string predictedLabelColumn,
        string? featuresColumn = null)
    {
        var keyValues = new DataViewSchema.Annotations.Builder();
        var names = label.Annotations?.FirstOrDefault(a => a.Name == KeyValueAnnotations.Kind) ?? default;
        if (names.Name is not null && names.Kind == SchemaShape.Column.VectorKind.Vector && names.ItemType is PrimitiveDataViewType itemType)
        {
            typeof(OutputColumns).GetMethod(nameof(AddEmptyVector), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(itemType.RawType).Invoke(null, [keyValues, KeyValueAnnotations.Kind, itemType]);
        }
        const int anyClassCount = 2;
        const int anyFeatureCount = 1;
        var added = Build(new DataViewSchema.Builder().ToSchema(), scoreColumn, predictedLabelColumn, anyClassCount, keyValues.ToAnnotations(),
            featuresColumn is null ? null : (featuresColumn, anyFeatureCount));
        return new SchemaShape(input.Where(c => c.Name != scoreColumn && c.Name != predictedLabelColumn && c.Name != featuresColumn)
            .Concat(Runtime.MlNetInternals.SchemaShapeOf(added)));
    }

    private static void AddEmptyVector<T>(DataViewSchema.Annotations.Builder builder, string name, PrimitiveDataViewType itemType)
        => builder.Add(name, new VectorDataViewType(itemType, 1), (ref VBuffer<T> value) => value = new VBuffer<T>(1, new T[1]));

    /// <summary>
    /// Input columns (all, hidden ones too) followed by the score and predicted-label columns, and the penultimate
    /// features column when <paramref name="features"/> names one.
    /// </summary>
    public static DataViewSchema Build(DataViewSchema input, string scoreColumn, string predictedLabelColumn, int classes, DataViewSchema.Annotations labelKeyValues,
        (string Name, int Length)? features = null)
    {
        // Like ML.NET's scorers: one more than the highest set id already in the input, so that a second
        // scorer's columns are told apart from the first's.
        var setId = NextScoreColumnSetId(input);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(scoreColumn, new VectorDataViewType(NumberDataViewType.Single, classes), ScoreAnnotations(labelKeyValues, classes, setId));
        builder.AddColumn(predictedLabelColumn, new KeyDataViewType(typeof(uint), classes), PredictedLabelAnnotations(labelKeyValues, setId));
        if (features is { } f) builder.AddColumn(f.Name, new VectorDataViewType(NumberDataViewType.Single, f.Length));
        return builder.ToSchema();
    }

    private static DataViewSchema.Annotations ScoreAnnotations(DataViewSchema.Annotations keyValues, int classes, uint setId)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (keyValues.Schema.GetColumnOrNull(KeyValueAnnotations.Kind) is { Type: VectorDataViewType keyValuesType } names)
        {
            // SlotNames name each probability after its class, as ML.NET's own multiclass trainers do.
            if (keyValuesType.ItemType is TextDataViewType)
                builder.Add(SlotNames, new VectorDataViewType(TextDataViewType.Instance, classes), keyValues.GetGetter<VBuffer<ReadOnlyMemory<char>>>(names));
            AddRenamedCopy(builder, TrainingLabelValues, keyValues, names);
        }
        AddScoreKinds(builder, setId, "Score");
        return builder.ToAnnotations();
    }

    private static DataViewSchema.Annotations PredictedLabelAnnotations(DataViewSchema.Annotations keyValues, uint setId)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(keyValues, kind => kind == KeyValueAnnotations.Kind);
        AddScoreKinds(builder, setId, "PredictedLabel");
        return builder.ToAnnotations();
    }

    private static void AddScoreKinds(DataViewSchema.Annotations.Builder builder, uint setId, string valueKind)
    {
        builder.Add(ScoreColumnSetId, ScoreColumnSetIdType, (ref uint v) => v = setId);
        builder.Add(ScoreColumnKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = MulticlassKind.AsMemory());
        builder.Add(ScoreValueKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = valueKind.AsMemory());
    }

    private static uint NextScoreColumnSetId(DataViewSchema input)
    {
        uint max = 0;
        foreach (var column in input)
        {
            if (column.Annotations.Schema.GetColumnOrNull(ScoreColumnSetId) is not { Type: KeyDataViewType { RawType: var raw } } annotation || raw != typeof(uint))
                continue;
            uint id = 0;
            column.Annotations.GetGetter<uint>(annotation)(ref id);
            max = Math.Max(max, id);
        }
        return max + 1;
    }

    // The label's key values may be of any item type (text, numbers, booleans); copy them under another name.
    private static void AddRenamedCopy(DataViewSchema.Annotations.Builder builder, string name, DataViewSchema.Annotations source, DataViewSchema.Column column)
    {
        var itemType = ((VectorDataViewType)column.Type).ItemType.RawType;
        typeof(OutputColumns).GetMethod(nameof(AddRenamedCopyOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(itemType).Invoke(null, [builder, name, source, column]);
    }

    private static void AddRenamedCopyOf<T>(DataViewSchema.Annotations.Builder builder, string name, DataViewSchema.Annotations source, DataViewSchema.Column column)
        => builder.Add(name, column.Type, source.GetGetter<VBuffer<T>>(column));
}
