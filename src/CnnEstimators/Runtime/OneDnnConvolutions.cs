using System.Runtime.InteropServices;

namespace CnnMl.Runtime;

/// <summary>
/// Switches libtorch's oneDNN (MKL-DNN) CPU kernels on or off, as <c>torch.backends.mkldnn.enabled</c> does
/// in Python. TorchSharp 0.107 has no binding for it, so this calls libtorch's exported
/// <c>at::globalContext().setUserEnabledMkldnn(bool)</c> directly.
/// </summary>
/// <remarks>
/// Why it matters: in libtorch 2.10 (TorchSharp 0.107) on CPUs with AVX-512, oneDNN's convolution backward
/// pass returns wrong input gradients — sometimes NaN — when a convolution's channel count is not a multiple of
/// the SIMD block (16 on AVX-512, 8 on AVX2), with one thread or several; forward passes are right. PyTorch
/// 1.13 does not show it. Small networks (Big-Little Net's little branch, CondenseNet's growth of 8, the zoo's
/// MNIST variants) then train to NaN or to poor accuracy. On an AMD EPYC (Zen 5, AVX-512) the forward pass of
/// some 3×3 configurations is wrong too, and the wrong results vary from run to run. Without oneDNN, libtorch's
/// native convolutions compute the right values and gradients (<c>OneDnnLayerTests</c>).
/// </remarks>
internal static class OneDnnConvolutions
{
    private const string TorchCpu = "torch_cpu";

    /// <summary>True if libtorch currently uses oneDNN kernels; null if the switch is not reachable in this libtorch.</summary>
    public static bool? Enabled
    {
        get
        {
            TorchRuntime.EnsureAvailable();
            try
            {
                return UserEnabledMkldnn(GlobalContext());
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                return null;
            }
        }
    }

    /// <summary>Turns oneDNN kernels on or off for the whole process. Returns false if this libtorch has no such switch.</summary>
    public static bool TrySet(bool enabled)
    {
        TorchRuntime.EnsureAvailable();
        try
        {
            SetUserEnabledMkldnn(GlobalContext(), enabled);
            return true;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [DllImport(TorchCpu, EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport(TorchCpu, EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport(TorchCpu, EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledMkldnn(IntPtr context);
}
