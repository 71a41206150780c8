using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace CnnMl.Runtime;

/// <summary>
/// The one place where the library reaches into ML.NET internals, each by reflection on a member that ML.NET 6.0.0
/// (and 5.0.1) keeps internal and for which it offers no public route; docs/mlnet-internals.md lists them with the
/// version they were checked on, and Runtime/MlNetInternalsTests fails naming the member if an ML.NET release drops it.
/// <list type="bullet">
/// <item><c>Microsoft.ML.Data.IInternalCatalog.Environment</c>: a trainers catalog
/// (<c>mlContext.MulticlassClassification.Trainers</c>) holds its <see cref="IHostEnvironment"/> (the
/// <see cref="MLContext"/>) only there.</item>
/// <item><c>Microsoft.ML.SchemaShape.Create(DataViewSchema)</c>: the estimator's promise
/// (<c>CnnTrainer.GetOutputSchema</c>) is made from the schema its transformer delivers, and
/// <see cref="SchemaShape.Column"/> has no public constructor.</item>
/// <item><c>Microsoft.ML.Runtime.ICancelable.IsCanceled</c>: what ML.NET's own trainers check between steps
/// (<c>IHost.CheckAlive</c>, also internal) after <c>MLContext.CancelExecution</c> (internal too; AutoML ends a trial
/// with it).</item>
/// <item><c>Microsoft.ML.Runtime.IHostEnvironmentInternal.GpuDeviceId</c> and <c>.FallbackToCpu</c>: the catalog's
/// environment is the <see cref="MLContext"/>'s inner <c>LocalEnvironment</c>, which carries the context's device
/// settings only on that internal interface (on an <see cref="MLContext"/> itself they are read through its public
/// <see cref="MLContext.GpuDeviceId"/> and <see cref="MLContext.FallbackToCpu"/>).</item>
/// </list>
/// </summary>
internal static class MlNetInternals
{
    /// <summary>The internal members used, as docs/mlnet-internals.md names them.</summary>
    public static IReadOnlyList<string> Members { get; } =
    [
        "Microsoft.ML.Data.IInternalCatalog.Environment",
        "Microsoft.ML.SchemaShape.Create(DataViewSchema)",
        "Microsoft.ML.Runtime.ICancelable.IsCanceled",
        "Microsoft.ML.Runtime.IHostEnvironmentInternal.GpuDeviceId",
        "Microsoft.ML.Runtime.IHostEnvironmentInternal.FallbackToCpu",
    ];

    private static readonly Lazy<Type?> EnvironmentInternal = new(() =>
        typeof(IHostEnvironment).Assembly.GetType("Microsoft.ML.Runtime.IHostEnvironmentInternal"));

    private static readonly Lazy<PropertyInfo?> IsCanceledProperty = new(() =>
        typeof(IHostEnvironment).Assembly.GetType("Microsoft.ML.Runtime.ICancelable")?.GetProperty("IsCanceled"));

    private static readonly Lazy<MethodInfo?> SchemaShapeCreate = new(() =>
        typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.NonPublic, [typeof(DataViewSchema)]));

    /// <summary>The members of <see cref="Members"/> this ML.NET no longer has (empty when all are there).</summary>
    public static IReadOnlyList<string> Missing(object catalog)
    {
        var missing = new List<string>();
        if (CatalogInterfaceProperty(catalog) is null) missing.Add(Members[0]);
        if (SchemaShapeCreate.Value is null) missing.Add(Members[1]);
        if (IsCanceledProperty.Value is null) missing.Add(Members[2]);
        if (EnvironmentInternal.Value?.GetProperty(nameof(MLContext.GpuDeviceId)) is null) missing.Add(Members[3]);
        if (EnvironmentInternal.Value?.GetProperty(nameof(MLContext.FallbackToCpu)) is null) missing.Add(Members[4]);
        return missing;
    }

    /// <summary>The environment (the <see cref="MLContext"/>'s) behind a catalog.</summary>
    /// <exception cref="InvalidOperationException">ML.NET no longer exposes the environment this way.</exception>
    public static IHostEnvironment FromCatalog(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (CatalogInterfaceProperty(catalog)?.GetValue(catalog) is IHostEnvironment environment) return environment;
        throw Gone(Members[0], $"Cannot reach the MLContext behind {catalog.GetType().FullName}");
    }

    /// <summary>The environment's <see cref="MLContext.GpuDeviceId"/> (null when not set, or for an environment without device settings).</summary>
    /// <exception cref="InvalidOperationException">ML.NET no longer has <c>IHostEnvironmentInternal.GpuDeviceId</c>.</exception>
    public static int? GpuDeviceId(IHostEnvironment environment) => environment is MLContext context
        ? context.GpuDeviceId
        : (int?)DeviceSetting(environment, nameof(MLContext.GpuDeviceId), Members[3]);

    /// <summary>The environment's <see cref="MLContext.FallbackToCpu"/> (ML.NET's default, true, for an environment without device settings).</summary>
    /// <exception cref="InvalidOperationException">ML.NET no longer has <c>IHostEnvironmentInternal.FallbackToCpu</c>.</exception>
    public static bool FallbackToCpu(IHostEnvironment environment) => environment is MLContext context
        ? context.FallbackToCpu
        : DeviceSetting(environment, nameof(MLContext.FallbackToCpu), Members[4]) as bool? ?? true;

    private static object? DeviceSetting(IHostEnvironment environment, string name, string member)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var property = EnvironmentInternal.Value?.GetProperty(name) ?? throw Gone(member, "Cannot read the MLContext's device settings");
        return property.DeclaringType!.IsInstanceOfType(environment) ? property.GetValue(environment) : null;
    }

    /// <summary>
    /// ML.NET's internal <c>SchemaShape.Create(DataViewSchema)</c>: the shape a pipeline passes to an estimator's
    /// <c>GetOutputSchema</c> for data with <paramref name="schema"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">ML.NET no longer has that method.</exception>
    public static SchemaShape SchemaShapeOf(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var create = SchemaShapeCreate.Value ?? throw Gone(Members[1], "Cannot describe a schema as a SchemaShape");
        return (SchemaShape)create.Invoke(null, [schema])!;
    }

    /// <summary>
    /// Whether <paramref name="host"/> was canceled (its <see cref="MLContext"/>'s <c>CancelExecution</c> cancels every
    /// host registered with it), as ML.NET's <c>CheckAlive</c> reads it. False for an environment that cannot be canceled.
    /// </summary>
    /// <exception cref="InvalidOperationException">ML.NET no longer has <c>ICancelable.IsCanceled</c>.</exception>
    public static bool IsCanceled(IHostEnvironment host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var property = IsCanceledProperty.Value ?? throw Gone(Members[2], "Cannot tell whether the MLContext was canceled");
        return property.DeclaringType!.IsInstanceOfType(host) && (bool)property.GetValue(host)!;
    }

    private static PropertyInfo? CatalogInterfaceProperty(object catalog) =>
        catalog.GetType().GetInterfaces().FirstOrDefault(i => i.FullName == "Microsoft.ML.Data.IInternalCatalog")?.GetProperty("Environment");

    private static InvalidOperationException Gone(string member, string what) => new(
        $"{what}: ML.NET's internal {member} was not found in {typeof(MLContext).Assembly.GetName().Name} " +
        $"{typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}. " +
        "CnnMl was checked on ML.NET 6.0.0 and 5.0.1 (docs/mlnet-internals.md); use one of those.");
}
