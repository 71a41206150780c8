using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Persistence;

/// <summary>
/// How a model zip records an input column of ML.NET images (<c>MLImage</c>, the column a model that reads an image's
/// encoded bytes starts from). ML.NET's <c>Model.Save</c> writes the input schema through its binary saver, which
/// cannot store an image column and silently leaves it out (and refuses a schema of image columns alone: "No valid
/// columns to save"). <see cref="CnnModelFile.SaveAtomically"/> therefore records each image column as what the
/// caller holds before decoding, the encoded file's bytes (<c>Vector&lt;Byte&gt;</c>), marked with the
/// <see cref="AnnotationKind"/> annotation; <see cref="CnnModelFile.LoadVerified"/> turns every marked column back into
/// an image column, so the loaded schema is the one the pipeline reads.
/// </summary>
internal static class EncodedImageColumns
{
    /// <summary>The annotation (Boolean, true) that marks a saved <c>Vector&lt;Byte&gt;</c> column as an image's encoded bytes.</summary>
    public const string AnnotationKind = "EncodedImage";

    /// <summary>The schema as a zip stores it: image columns become marked byte vectors; null when there is no image column.</summary>
    public static DataViewSchema? ForSaving(DataViewSchema schema) =>
        schema.Any(c => c.Type is ImageDataViewType)
            ? Rebuild(schema, c => c.Type is ImageDataViewType ? (new VectorDataViewType(NumberDataViewType.Byte), Marked()) : (c.Type, c.Annotations))
            : null;

    /// <summary>The schema as the pipeline reads it: marked byte vectors become image columns; null when there is none.</summary>
    public static DataViewSchema? AfterLoading(DataViewSchema schema) =>
        schema.Any(IsMarked)
            ? Rebuild(schema, c => IsMarked(c) ? (new ImageDataViewType(), DataViewSchema.Annotations.Empty) : (c.Type, c.Annotations))
            : null;

    /// <summary>Whether <paramref name="column"/> is a saved image column (a byte vector with the annotation).</summary>
    public static bool IsMarked(DataViewSchema.Column column) =>
        column.Type is VectorDataViewType { ItemType: var item } && item == NumberDataViewType.Byte
        && column.Annotations.Schema.GetColumnOrNull(AnnotationKind) is { Type: BooleanDataViewType };

    private static DataViewSchema.Annotations Marked()
    {
        var annotations = new DataViewSchema.Annotations.Builder();
        annotations.Add(AnnotationKind, BooleanDataViewType.Instance, (ref bool value) => value = true);
        return annotations.ToAnnotations();
    }

    private static DataViewSchema Rebuild(DataViewSchema schema, Func<DataViewSchema.Column, (DataViewType Type, DataViewSchema.Annotations Annotations)> map)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var column in schema)
        {
            var (type, annotations) = map(column);
            builder.AddColumn(column.Name, type, annotations);
        }
        return builder.ToSchema();
    }
}
