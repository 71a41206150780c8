using System.Globalization;
using CnnMl.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Persistence;

/// <summary>
/// The label's key values as definition.json stores them: their ML.NET item type (<c>Text</c> or a
/// primitive such as <c>UInt32</c> or <c>Single</c>) and each value as invariant text, so that a loaded
/// transformer's <c>PredictedLabel</c> has the same key values, of the same type, as the saved one.
/// </summary>
internal sealed record LabelKeyValues
{
    private const string TextType = "Text";

    private static readonly Dictionary<string, PrimitiveDataViewType> Types = new(StringComparer.Ordinal)
    {
        [TextType] = TextDataViewType.Instance,
        ["Boolean"] = BooleanDataViewType.Instance,
        ["SByte"] = NumberDataViewType.SByte,
        ["Byte"] = NumberDataViewType.Byte,
        ["Int16"] = NumberDataViewType.Int16,
        ["UInt16"] = NumberDataViewType.UInt16,
        ["Int32"] = NumberDataViewType.Int32,
        ["UInt32"] = NumberDataViewType.UInt32,
        ["Int64"] = NumberDataViewType.Int64,
        ["UInt64"] = NumberDataViewType.UInt64,
        ["Single"] = NumberDataViewType.Single,
        ["Double"] = NumberDataViewType.Double,
    };

    /// <summary>The item type's name: <c>Text</c>, <c>Boolean</c>, or a .NET numeric type name.</summary>
    public required string Type { get; init; }

    /// <summary>The key values in key order, as invariant text (class index i ↔ Values[i]).</summary>
    public required IReadOnlyList<string> Values { get; init; }

    /// <summary>Reads the <c>KeyValues</c> annotation; null when there is none.</summary>
    /// <exception cref="NotSupportedException">The key values are of a type a checkpoint cannot store.</exception>
    public static LabelKeyValues? From(DataViewSchema.Annotations annotations)
    {
        if (annotations.Schema.GetColumnOrNull(KeyValueAnnotations.Kind) is not { } column) return null;
        var item = (column.Type as VectorDataViewType)?.ItemType as PrimitiveDataViewType;
        var name = item is null ? null : Types.FirstOrDefault(t => t.Value.Equals(item)).Key;
        if (name is null)
            throw new NotSupportedException($"The label's key values are of type {column.Type}; a checkpoint stores vectors of {string.Join(", ", Types.Keys)}.");
        var values = item is TextDataViewType
            ? ReadText(annotations)
            : (string[])typeof(LabelKeyValues).GetMethod(nameof(ReadTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(item!.RawType).Invoke(null, [annotations])!;
        return new LabelKeyValues { Type = name, Values = values };
    }

    /// <summary>The <c>KeyValues</c> annotation these values describe.</summary>
    public DataViewSchema.Annotations ToAnnotations()
    {
        if (Type == TextType) return KeyValueAnnotations.FromNames(Values);
        return (DataViewSchema.Annotations)typeof(LabelKeyValues).GetMethod(nameof(BuildTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .MakeGenericMethod(Types[Type].RawType).Invoke(this, null)!;
    }

    /// <summary>Checks the type name, the count against <paramref name="classes"/>, and that every value parses as the type.</summary>
    /// <exception cref="InvalidDataException">Names the entry, the field and the value.</exception>
    public void Validate(int classes, string entry)
    {
        if (!Types.TryGetValue(Type, out var type))
            throw new InvalidDataException($"{entry}: labelKeyValues.type '{SafetensorsReader.Shorten(Type)}' is not one of {string.Join(", ", Types.Keys)}.");
        if (Values.Count != classes)
            throw new InvalidDataException($"{entry}: labelKeyValues has {Values.Count} values for {classes} classes; there is one value per class.");
        for (var i = 0; i < Values.Count; i++)
        {
            var value = Values[i];
            if (value is null || value.Length > CheckpointLimits.MaxNameLength)
                throw new InvalidDataException($"{entry}: labelKeyValues.values[{i}] is {(value is null ? "null" : $"{value.Length} characters long")}; values are text of at most {CheckpointLimits.MaxNameLength} characters.");
            if (type is not TextDataViewType && !TryParse(type.RawType, value, out _))
                throw new InvalidDataException($"{entry}: labelKeyValues.values[{i}] '{SafetensorsReader.Shorten(value)}' is not a {Type}.");
        }
    }

    private static string[] ReadText(DataViewSchema.Annotations annotations)
    {
        var values = default(VBuffer<ReadOnlyMemory<char>>);
        annotations.GetValue(KeyValueAnnotations.Kind, ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    private static string[] ReadTyped<T>(DataViewSchema.Annotations annotations)
    {
        var values = default(VBuffer<T>);
        annotations.GetValue(KeyValueAnnotations.Kind, ref values);
        return values.DenseValues().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToArray();
    }

    private DataViewSchema.Annotations BuildTyped<T>()
    {
        var values = new VBuffer<T>(Values.Count, Values.Select(v => (T)Parse(typeof(T), v)).ToArray());
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(KeyValueAnnotations.Kind, new VectorDataViewType(Types[Type], Values.Count), (ref VBuffer<T> v) => values.CopyTo(ref v));
        return builder.ToAnnotations();
    }

    private static object Parse(Type type, string text) =>
        TryParse(type, text, out var value) ? value : throw new FormatException($"'{text}' is not a {type.Name}.");

    private static bool TryParse(Type type, string text, out object value)
    {
        const NumberStyles integer = NumberStyles.AllowLeadingSign;
        const NumberStyles real = NumberStyles.Float;
        var culture = CultureInfo.InvariantCulture;
        (bool Ok, object Value) result = type switch
        {
            _ when type == typeof(bool) => (bool.TryParse(text, out var b), b),
            _ when type == typeof(sbyte) => (sbyte.TryParse(text, integer, culture, out var v), v),
            _ when type == typeof(byte) => (byte.TryParse(text, integer, culture, out var v), v),
            _ when type == typeof(short) => (short.TryParse(text, integer, culture, out var v), v),
            _ when type == typeof(ushort) => (ushort.TryParse(text, integer, culture, out var v), v),
            _ when type == typeof(int) => (int.TryParse(text, integer, culture, out var v), v),
            _ when type == typeof(uint) => (uint.TryParse(text, integer, culture, out var v), v),
            _ when type == typeof(long) => (long.TryParse(text, integer, culture, out var v), v),
            _ when type == typeof(ulong) => (ulong.TryParse(text, integer, culture, out var v), v),
            _ when type == typeof(float) => (float.TryParse(text, real, culture, out var v), v),
            _ when type == typeof(double) => (double.TryParse(text, real, culture, out var v), v),
            _ => (false, (object)0),
        };
        value = result.Value;
        return result.Ok;
    }
}
