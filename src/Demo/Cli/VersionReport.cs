using System.Diagnostics;
using System.Reflection;
using CnnMl.Runtime;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace CnnMl.Demo.Cli;

/// <summary>
/// <c>cnnml --version</c>: CnnMl's version and those of the ML.NET, TorchSharp, libtorch and ONNX Runtime this process
/// runs on, each read from what is loaded (assembly attributes, TorchSharp's libtorch version, ONNX Runtime's own
/// answer) rather than written down, with the native library files that were loaded.
/// </summary>
internal static class VersionReport
{
    /// <summary>The arguments that ask for it.</summary>
    public static bool IsRequested(IReadOnlyList<string> args) => args is ["--version"] or ["-v"] or ["-V"];

    /// <summary>cnnml's own version: the informational version (VersionPrefix+commit) its build stamped.</summary>
    public static string CnnmlVersion => InformationalVersion(typeof(VersionReport).Assembly);

    /// <summary>Writes the report; returns <see cref="ExitCodes.Failure"/> when libtorch or ONNX Runtime does not load.</summary>
    public static int Write(TextWriter output, TextWriter error)
    {
        var failed = false;
        output.WriteLine($"cnnml {CnnmlVersion}");
        output.WriteLine($"  CnnMl         {InformationalVersion(typeof(CnnCatalog).Assembly)}");
        output.WriteLine($"  ML.NET        {InformationalVersion(typeof(MLContext).Assembly)}");
        output.WriteLine($"  TorchSharp    {InformationalVersion(typeof(torch).Assembly)}");
        try
        {
            TorchRuntime.EnsureAvailable();
            output.WriteLine($"  libtorch      {torch.__version__}{LoadedFrom("libtorch_cpu.", "torch_cpu.")}");
        }
        catch (TorchNativeLibraryException e)
        {
            output.WriteLine("  libtorch      not loadable (see below)");
            error.WriteLine($"cnnml: error: {e.Message}");
            failed = true;
        }
        try
        {
            output.WriteLine($"  ONNX Runtime  {OrtEnv.Instance().GetVersionString()}{LoadedFrom("libonnxruntime.", "onnxruntime.")}");
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or OnnxRuntimeException)
        {
            output.WriteLine("  ONNX Runtime  not loadable (see below)");
            error.WriteLine($"cnnml: error: ONNX Runtime's native library did not load: {e.Message}");
            failed = true;
        }
        output.WriteLine($"  .NET          {Environment.Version} ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier})");
        return failed ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static string InformationalVersion(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? assembly.GetName().Version?.ToString()
        ?? "unknown";

    // The native file a library was loaded from (libtorch_cpu.so, torch_cpu.dll, ...): which copy runs matters when
    // several are installed.
    private static string LoadedFrom(params string[] filePrefixes)
    {
        using var self = Process.GetCurrentProcess();
        var module = self.Modules.Cast<ProcessModule>()
            .FirstOrDefault(m => filePrefixes.Any(p => Path.GetFileName(m.FileName).StartsWith(p, StringComparison.OrdinalIgnoreCase)));
        return module is null ? "" : $" ({module.FileName})";
    }
}
