[assembly: Parallelize(Workers = 1, Scope = ExecutionScope.ClassLevel)]

namespace CnnMl.Tests.Support;

/// <summary>Process-wide set-up that must happen before any test runs.</summary>
[TestClass]
public static class AssemblySetup
{
    /// <summary>Creates ONNX Runtime's environment with the warning-capturing logger (see <see cref="OnnxRuntimeLog"/>).</summary>
    [AssemblyInitialize]
    public static void Initialize(TestContext _) => OnnxRuntimeLog.Install();
}
