using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Data;

/// <summary>Reads and writes the "KeyValues" annotation that names the values of a key-typed column.</summary>
internal static class KeyValueAnnotations
{
    /// <summary>ML.NET's annotation kind for a key column's value names.</summary>
    public const string Kind = "KeyValues";

    /// <summary>Annotations carrying text key values (what <c>MapKeyToValue</c> returns).</summary>
    public static DataViewSchema.Annotations FromNames(IReadOnlyList<string> names)
    {
        var values = new VBuffer<ReadOnlyMemory<char>>(names.Count, names.Select(n => n.AsMemory()).ToArray());
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(Kind, new VectorDataViewType(TextDataViewType.Instance, names.Count),
            (ref VBuffer<ReadOnlyMemory<char>> v) => values.CopyTo(ref v));
        return builder.ToAnnotations();
    }

    /// <summary>
    /// The key values of <paramref name="column"/> as text, or null when it has none. Non-text key values
    /// (numbers, booleans) are turned into their invariant text form.
    /// </summary>
    public static string[]? ReadNames(DataViewSchema.Column column)
    {
        var annotation = column.Annotations.Schema.GetColumnOrNull(Kind);
        if (annotation is null || annotation.Value.Type is not VectorDataViewType vectorType) return null;
        if (vectorType.ItemType is TextDataViewType)
        {
            var values = default(VBuffer<ReadOnlyMemory<char>>);
            column.Annotations.GetValue(Kind, ref values);
            return values.DenseValues().Select(v => v.ToString()).ToArray();
        }
        return ReadAsText(column, vectorType.ItemType.RawType);
    }

    private static string[] ReadAsText(DataViewSchema.Column column, Type itemType)
    {
        var method = typeof(KeyValueAnnotations).GetMethod(nameof(ReadTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        return (string[])method.MakeGenericMethod(itemType).Invoke(null, [column])!;
    }

    private static string[] ReadTyped<T>(DataViewSchema.Column column)
    {
        var values = default(VBuffer<T>);
        column.Annotations.GetValue(Kind, ref values);
        return values.DenseValues().Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray();
    }
}
