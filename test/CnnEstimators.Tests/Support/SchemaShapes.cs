using System.Reflection;
using Microsoft.ML;

namespace CnnMl.Tests.Support;

/// <summary>
/// <c>SchemaShape.Create(DataViewSchema)</c> is internal to ML.NET; tests reach it by reflection to call
/// an estimator's <c>GetOutputSchema</c> the way ML.NET's own pipelines do.
/// </summary>
internal static class SchemaShapes
{
    private static readonly MethodInfo Create = typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.NonPublic, [typeof(DataViewSchema)])
        ?? throw new InvalidOperationException("ML.NET no longer has SchemaShape.Create(DataViewSchema).");

    public static SchemaShape Of(DataViewSchema schema) => (SchemaShape)Create.Invoke(null, [schema])!;
}
