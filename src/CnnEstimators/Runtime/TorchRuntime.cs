using System.Reflection;
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

    /// <summary>The repository's set-up script, which installs the missing prerequisite on Debian 12 (in a clone of CnnMl).</summary>
    public const string SetupScript = "scripts/setup.sh";

    /// <summary>The metadata key under which the build records its <c>TorchBackend</c>.</summary>
    private const string TorchBackendKey = "CnnMl.TorchBackend";

    private static readonly object Gate = new();
    private static Exception? _failure;
    private static bool _loaded;

    /// <summary>
    /// The <c>TorchBackend</c> build property of the build that produced this assembly: which libtorch the repository's
    /// own programs reference, "cpu" (libtorch-cpu-linux-x64), "cuda" (TorchSharp-cuda-linux) or "system" (none: an
    /// installed libtorch 2.10 found through <c>LD_LIBRARY_PATH</c>). The library itself references no libtorch; an
    /// application using the CnnMl package picks its own.
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
            throw new TorchNativeLibraryException(TorchLoadAdvice.Describe(_failure, TorchNativeFacts.Probe()), _failure);
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
}
