using System.Reflection;
using Microsoft.ML;

namespace CnnMl.Tests.Support;

/// <summary>
/// <c>MLContext.CancelExecution()</c>, which ML.NET 6.0.0 keeps internal (its AutoML, a friend assembly, ends a trial
/// with it): called by reflection, as docs/mlnet-internals.md lists.
/// </summary>
internal static class MlContextCancellation
{
    public const string Member = "Microsoft.ML.MLContext.CancelExecution()";

    private static readonly MethodInfo? CancelExecution =
        typeof(MLContext).GetMethod("CancelExecution", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes);

    /// <summary>Whether this ML.NET still has the method.</summary>
    public static bool IsAvailable => CancelExecution is not null;

    /// <summary>Cancels <paramref name="ml"/>: every host registered with it is canceled.</summary>
    public static void Cancel(MLContext ml)
    {
        Assert.IsNotNull(CancelExecution, $"ML.NET's {Member} was not found: the cancellation tests and docs/mlnet-internals.md need updating.");
        CancelExecution.Invoke(ml, null);
    }
}
