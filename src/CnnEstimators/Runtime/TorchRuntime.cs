using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace CnnMl.Runtime;

/// <summary>
/// Makes sure TorchSharp's native backend is loaded before any CnnMl code touches a tensor, and
/// turns a load failure into one clear <see cref="TorchNativeLibraryException"/>.
/// </summary>
public static class TorchRuntime
{
    /// <summary>The libstdc++ symbol version that TorchSharp 0.107's libLibTorchSharp.so needs.</summary>
    public const string RequiredGlibcxx = "GLIBCXX_3.4.32";

    /// <summary>The project's set-up script, which installs the missing prerequisite.</summary>
    public const string SetupScript = "scripts/setup.sh";

    /// <summary>The metadata key under which the build records its <c>TorchBackend</c>.</summary>
    private const string TorchBackendKey = "CnnMl.TorchBackend";

    private static readonly object Gate = new();
    private static Exception? _failure;
    private static bool _loaded;

    /// <summary>
    /// Where this build of CnnMl expects libtorch from (the <c>TorchBackend</c> build property): "cpu" (the bundled
    /// libtorch-cpu-linux-x64 package), "cuda" (TorchSharp-cuda-linux) or "system" (an installed libtorch 2.10 found
    /// through <c>LD_LIBRARY_PATH</c>).
    /// </summary>
    public static string TorchBackend { get; } =
        typeof(TorchRuntime).Assembly.GetCustomAttributes(typeof(AssemblyMetadataAttribute), false).OfType<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == TorchBackendKey)?.Value ?? "cpu";

    /// <summary>
    /// What loads the backend. Tests replace it to inject a load failure; production code never does.
    /// </summary>
    internal static Action LoadBackend { get; set; } = DefaultLoadBackend;

    /// <summary>
    /// Loads TorchSharp's CPU backend once per process. Throws <see cref="TorchNativeLibraryException"/>
    /// (every time it is called) if the native library cannot be loaded.
    /// </summary>
    public static void EnsureAvailable()
    {
        if (_loaded) return;
        lock (Gate)
        {
            if (_loaded) return;
            if (_failure is null)
            {
                try
                {
                    LoadBackend();
                    // Before any convolution runs: where NNPACK is unsupported, libtorch would warn on stderr at the first.
                    NnpackConvolutions.DisableWhereUnsupported();
                    _loaded = true;
                    return;
                }
                catch (Exception ex) when (ex is not TorchNativeLibraryException)
                {
                    _failure = ex;
                }
            }
            throw new TorchNativeLibraryException(DescribeFailure(_failure), _failure);
        }
    }

    /// <summary>Forgets a cached outcome, so that a test can inject a failure and then recover.</summary>
    internal static void ResetForTesting()
    {
        lock (Gate)
        {
            _failure = null;
            _loaded = false;
        }
    }

    private static void DefaultLoadBackend() => torch.InitializeDeviceType(DeviceType.CPU);

    private static string DescribeFailure(Exception failure)
    {
        var first = FirstLine(failure);
        if (!OperatingSystem.IsLinux())
        {
            return "TorchSharp's native library (libtorch) could not be loaded. Check that the libtorch package for " +
                   $"this platform is restored (this project ships libtorch-cpu-linux-x64 by default). Cause: {first}";
        }

        var lib = LibStdCxxProbe.FindLibrary();
        var hasSymbol = lib is not null && LibStdCxxProbe.HasVersion(lib, RequiredGlibcxx);
        if (!hasSymbol)
        {
            return $"TorchSharp's native library could not be loaded: libLibTorchSharp.so needs {RequiredGlibcxx} " +
                   $"(libstdc++ from GCC 13 or newer), and this system's libstdc++ ({lib ?? "not found"}) lacks it. " +
                   $"Run '{SetupScript}' from the repository root: on Debian 12 it installs libstdc++6 from Debian 13 " +
                   "(trixie) with a low-priority apt pin; on other systems install a libstdc++ from GCC 13+. " +
                   $"Cause: {first}";
        }

        if (TorchBackend == "system")
        {
            return "TorchSharp's native library could not be loaded. This build of CnnMl ships no libtorch (TorchBackend=system): " +
                   "put the lib folder of an installed libtorch 2.10 on LD_LIBRARY_PATH (for example a PyTorch 2.10 installation's torch/lib: " +
                   "export LD_LIBRARY_PATH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib), " +
                   $"or build without -p:TorchBackend=system. Cause: {first}";
        }

        return $"TorchSharp's native library could not be loaded, although libstdc++ provides {RequiredGlibcxx}. " +
               $"Run '{SetupScript}' to restore and build (libtorch-cpu-linux-x64 must be restored next to the app). Cause: {first}";
    }

    private static string FirstLine(Exception ex)
    {
        var inner = ex is TypeInitializationException { InnerException: { } ie } ? ie : ex;
        var text = inner.Message;
        var newline = text.IndexOf('\n');
        return $"{inner.GetType().Name}: {(newline < 0 ? text : text[..newline].TrimEnd())}";
    }
}
