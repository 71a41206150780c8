using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Data;

/// <summary>
/// Checks the label and image columns before anything is trained or scored, with messages that name
/// the column, what was found and what is expected.
/// </summary>
internal static class InputSchemaValidator
{
    /// <summary>Checks a <see cref="SchemaShape"/> (the estimator's <c>GetOutputSchema</c>). Vector sizes are not known here.</summary>
    public static void Check(SchemaShape schema, string labelColumn, string featureColumn, string architecture, ImageShape shape)
    {
        if (!TryFind(schema, labelColumn, out var label))
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{labelColumn}' was not found in the input schema (columns: {Names(schema.Select(c => c.Name))}).");
        if (!label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{labelColumn}' has type {Describe(label)}; expected a key type. {MapValueToKeyHint(labelColumn)}");
        CheckFeatureShape(schema, featureColumn, architecture, shape);
    }

    /// <summary>Checks only the image column of a <see cref="SchemaShape"/> (scoring needs no label).</summary>
    public static void CheckFeatureShape(SchemaShape schema, string featureColumn, string architecture, ImageShape shape)
    {
        if (!TryFind(schema, featureColumn, out var feature))
            throw new ArgumentOutOfRangeException(nameof(schema), $"Image column '{featureColumn}' was not found in the input schema (columns: {Names(schema.Select(c => c.Name))}).");
        if (feature.Kind != SchemaShape.Column.VectorKind.Vector || feature.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Image column '{featureColumn}' has type {Describe(feature)}; architecture '{architecture}' expects a known-size vector<Single> of {Expected(shape)}.");
    }

    /// <summary>Checks a <see cref="DataViewSchema"/> for training and returns the number of classes (the label key count).</summary>
    public static int CheckForTraining(DataViewSchema schema, string labelColumn, string featureColumn, string architecture, ImageShape shape)
    {
        var label = schema.GetColumnOrNull(labelColumn)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{labelColumn}' was not found in the input (columns: {Names(schema.Select(c => c.Name))}).");
        if (label.Type is not KeyDataViewType key)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{labelColumn}' has type {label.Type}; expected a key type. {MapValueToKeyHint(labelColumn)}");
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{labelColumn}' is a key type with {key.Count} values; a classifier needs at least 2 classes.");
        CheckFeatures(schema, featureColumn, architecture, shape);
        return (int)key.Count;
    }

    /// <summary>
    /// Checks the image column of a <see cref="DataViewSchema"/>: a vector&lt;Single&gt; of exactly shape.ElementCount
    /// values, whose dimensions, when it has them, are that shape channels first.
    /// </summary>
    public static void CheckFeatures(DataViewSchema schema, string featureColumn, string architecture, ImageShape shape)
    {
        var feature = schema.GetColumnOrNull(featureColumn)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Image column '{featureColumn}' was not found in the input (columns: {Names(schema.Select(c => c.Name))}).");
        if (feature.Type is not VectorDataViewType vector || vector.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Image column '{featureColumn}' has type {feature.Type}; architecture '{architecture}' expects a vector<Single> of {Expected(shape)}.");
        if (!vector.IsKnownSize)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Image column '{featureColumn}' is a variable-size vector; architecture '{architecture}' expects a known-size vector<Single> of {Expected(shape)}. Resize the images to a fixed size.");
        if (vector.Size != shape.ElementCount)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Image column '{featureColumn}' has {vector.Size} values; architecture '{architecture}' expects {Expected(shape)}. Set ImageShape or resize.");
        // The same number of values can still be another shape or layout (e.g. 28x28x3 for 3x28x28).
        ColumnDimensions.Check(featureColumn, vector, architecture, shape);
    }

    private static bool TryFind(SchemaShape schema, string name, out SchemaShape.Column column)
    {
        foreach (var candidate in schema)
        {
            if (candidate.Name == name)
            {
                column = candidate;
                return true;
            }
        }
        column = default;
        return false;
    }

    private static string Expected(ImageShape shape) => $"{shape} = {shape.ElementCount}";

    private static string MapValueToKeyHint(string column) =>
        $"Convert it with mlContext.Transforms.Conversion.MapValueToKey(\"{column}\").";

    private static string Describe(SchemaShape.Column column) => column.Kind switch
    {
        SchemaShape.Column.VectorKind.Scalar => column.IsKey ? $"Key<{column.ItemType}>" : $"{column.ItemType}",
        SchemaShape.Column.VectorKind.Vector => $"Vector<{column.ItemType}>",
        _ => $"variable-size Vector<{column.ItemType}>",
    };

    private static string Names(IEnumerable<string> names) => string.Join(", ", names.Distinct());
}
