using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace CnnMl.Runtime;

/// <summary>
/// The one place where CnnMl reaches into ML.NET internals. A trainers catalog
/// (<c>mlContext.MulticlassClassification.Trainers</c>) holds its <see cref="IHostEnvironment"/> only
/// behind the internal <c>IInternalCatalog.Environment</c>, and the device settings
/// (<see cref="MLContext.GpuDeviceId"/>, <see cref="MLContext.FallbackToCpu"/>) live on the internal
/// <c>IHostEnvironmentInternal</c>. Both are read by reflection here; a test fails loudly if ML.NET
/// renames them. <c>SchemaShape.Create(DataViewSchema)</c> is reached through here too (<see cref="SchemaShapeOf"/>):
/// the estimator's promise (<c>CnnTrainer.GetOutputSchema</c>) is made from the schema its transformer delivers,
/// as <see cref="SchemaShape.Column"/> has no public constructor; the tests use it as ML.NET's pipelines do.
/// This file stays the only bridge.
/// </summary>
internal static class CatalogEnvironment
{
    private const string InternalCatalogInterface = "IInternalCatalog";
    private const string EnvironmentProperty = "Environment";
    private const string SchemaShapeCreate = "Create";

    /// <summary>The environment (the <see cref="MLContext"/>'s) behind a catalog.</summary>
    /// <exception cref="InvalidOperationException">ML.NET no longer exposes the environment this way.</exception>
    public static IHostEnvironment FromCatalog(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var catalogInterface = catalog.GetType().GetInterfaces().FirstOrDefault(i => i.Name == InternalCatalogInterface);
        var property = catalogInterface?.GetProperty(EnvironmentProperty);
        if (property?.GetValue(catalog) is IHostEnvironment environment) return environment;
        throw new InvalidOperationException(
            $"Cannot reach the MLContext behind {catalog.GetType().FullName}: ML.NET's internal " +
            $"{InternalCatalogInterface}.{EnvironmentProperty} was not found. This ML.NET version is not supported by CnnMl.");
    }

    /// <summary>The environment's <see cref="MLContext.GpuDeviceId"/> (null when not set or not readable).</summary>
    public static int? GpuDeviceId(IHostEnvironment environment) => Read<int?>(environment, nameof(MLContext.GpuDeviceId), null);

    /// <summary>The environment's <see cref="MLContext.FallbackToCpu"/> (ML.NET's default: true).</summary>
    public static bool FallbackToCpu(IHostEnvironment environment) => Read(environment, nameof(MLContext.FallbackToCpu), true);

    /// <summary>
    /// ML.NET's internal <c>SchemaShape.Create(DataViewSchema)</c>: the shape a pipeline passes to an estimator's
    /// <c>GetOutputSchema</c> for data with <paramref name="schema"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">ML.NET no longer has that method.</exception>
    public static SchemaShape SchemaShapeOf(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var create = typeof(SchemaShape).GetMethod(SchemaShapeCreate, BindingFlags.Static | BindingFlags.NonPublic, [typeof(DataViewSchema)])
            ?? throw new InvalidOperationException(
                $"ML.NET's internal SchemaShape.{SchemaShapeCreate}(DataViewSchema) was not found. This ML.NET version is not supported by CnnMl.");
        return (SchemaShape)create.Invoke(null, [schema])!;
    }

    private static T Read<T>(IHostEnvironment environment, string name, T fallback)
    {
        if (environment is MLContext context)
        {
            return name switch
            {
                nameof(MLContext.GpuDeviceId) => (T)(object?)context.GpuDeviceId!,
                nameof(MLContext.FallbackToCpu) => (T)(object)context.FallbackToCpu,
                _ => fallback,
            };
        }
        var property = environment.GetType().GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        return property?.GetValue(environment) is T value ? value : property is null ? fallback : default!;
    }
}
