using System.Reflection;
using Microsoft.ML;

namespace CnnMl.Runtime;

/// <summary>
/// ML.NET's <c>SchemaShape.Create(DataViewSchema)</c>, which is internal, as is the constructor of
/// <see cref="SchemaShape.Column"/>: without them an estimator cannot describe a column it adds. Through
/// this one call the estimator's promise (<c>GetOutputSchema(SchemaShape)</c>) is made from the very schema
/// its transformer delivers, so the two cannot drift apart. A test fails loudly if ML.NET renames it.
/// </summary>
internal static class SchemaShapeBridge
{
    private static readonly Lazy<Func<DataViewSchema, SchemaShape>> Create = new(() =>
    {
        var method = typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public, [typeof(DataViewSchema)])
            ?? throw new InvalidOperationException(
                "Cannot describe the output columns: ML.NET's internal SchemaShape.Create(DataViewSchema) was not found. This ML.NET version is not supported by CnnMl.");
        return method.CreateDelegate<Func<DataViewSchema, SchemaShape>>();
    });

    /// <summary>The <see cref="SchemaShape"/> of <paramref name="schema"/>: names, kinds, item types, key flags and annotation shapes.</summary>
    public static SchemaShape FromSchema(DataViewSchema schema) => Create.Value(schema);
}
