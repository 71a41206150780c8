using System.Runtime.InteropServices;

namespace CnnMl.Runtime;

/// <summary>
/// Switches libtorch's use of NNPACK off on CPUs NNPACK does not support, before libtorch asks for it. libtorch picks
/// NNPACK for float32 forward convolutions without gradients in batches of 16 or more (when oneDNN does not take
/// them); its first such convolution initializes NNPACK, and where that fails it writes
/// <c>[W... NNPACK.cpp:56] Could not initialize NNPACK! Reason: Unsupported hardware.</c> to stderr — in every
/// process, so every <c>cnnml</c> run on such a machine showed it (seen on an AMD EPYC Zen 5 with AVX-512, whose cache
/// layout NNPACK's CPU detection does not accept). NNPACK's own <c>nnp_initialize</c> answers the same question
/// silently; when it fails, <c>at::globalContext().setUserEnabledNNPACK(false)</c> (Python:
/// <c>torch.backends.nnpack.set_flags(False)</c>; TorchSharp 0.107 has no binding) makes libtorch skip the check
/// and use the native kernels it would have fallen back to anyway, so no result changes.
/// </summary>
internal static class NnpackConvolutions
{
    private const string TorchCpu = "torch_cpu";
    private const int Success = 0; // nnp_status_success

    /// <summary>
    /// Turns libtorch's use of NNPACK off when NNPACK cannot run here (<see cref="Supported"/> is false). Called once,
    /// when CnnMl loads libtorch (<see cref="TorchRuntime.EnsureAvailable"/>).
    /// </summary>
    public static void DisableWhereUnsupported()
    {
        if (Supported == false) SetUserEnabledNnpack(GlobalContext(), false);
    }

    /// <summary>
    /// Whether NNPACK initializes on this CPU (its own <c>nnp_initialize</c>, which writes nothing), or null when this
    /// libtorch does not export it (built without NNPACK: nothing to switch off).
    /// </summary>
    public static bool? Supported
    {
        get
        {
            try
            {
                return NnpInitialize() == Success;
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                return null;
            }
        }
    }

    /// <summary>Whether libtorch may use NNPACK (its user switch), or null when the switch is not reachable.</summary>
    public static bool? Enabled
    {
        get
        {
            try
            {
                return UserEnabledNnpack(GlobalContext());
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                return null;
            }
        }
    }

    [DllImport(TorchCpu, EntryPoint = "nnp_initialize")]
    private static extern int NnpInitialize();

    [DllImport(TorchCpu, EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport(TorchCpu, EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport(TorchCpu, EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledNnpack(IntPtr context);
}
