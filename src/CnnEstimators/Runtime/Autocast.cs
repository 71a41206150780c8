using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Runtime;

/// <summary>
/// libtorch's automatic mixed precision for the calling thread, as <c>with torch.autocast(device_type, dtype):</c> in
/// Python: inside the scope, operations on libtorch's lower-precision list (convolutions, linear layers, matrix
/// products) run in <see cref="ScalarType.BFloat16"/> or <see cref="ScalarType.Float16"/>, the others in float32.
/// TorchSharp 0.107 has no binding for it, so this calls libtorch's exported <c>at::autocast</c> functions directly.
/// </summary>
/// <remarks>
/// The state is thread-local in libtorch (a dispatch key of the thread), so the scope must be entered and disposed
/// on the thread that runs the forward pass. As in PyTorch, the backward pass runs outside the scope. Disposing puts
/// back the enabled flag and the type found on entry, and clears the cast cache when the outermost scope ends.
/// </remarks>
internal sealed class Autocast : IDisposable
{
    private const string TorchCpu = "torch_cpu";

    private readonly sbyte _device;
    private readonly bool _previousEnabled;
    private readonly sbyte _previousType;
    private bool _disposed;

    private Autocast(sbyte device, ScalarType type)
    {
        _device = device;
        _previousEnabled = IsEnabled(device);
        _previousType = GetType(device);
        SetEnabled(device, true);
        SetType(device, (sbyte)type);
        IncrementNesting();
    }

    /// <summary>Whether libtorch exports the autocast functions this class calls.</summary>
    public static bool IsAvailable
    {
        get
        {
            TorchRuntime.EnsureAvailable();
            try
            {
                _ = IsEnabled(CpuDevice);
                return true;
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                return false;
            }
        }
    }

    /// <summary>Whether autocast is on for <paramref name="device"/> on this thread.</summary>
    public static bool IsEnabledFor(DeviceType device) => IsEnabled(DeviceCode(device));

    /// <summary>The lower-precision type autocast uses for <paramref name="device"/> on this thread.</summary>
    public static ScalarType TypeFor(DeviceType device) => (ScalarType)GetType(DeviceCode(device));

    /// <summary>Turns autocast on for <paramref name="device"/> with <paramref name="type"/> until disposed.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not BFloat16 or Float16.</exception>
    /// <exception cref="NotSupportedException">This libtorch does not export the autocast functions.</exception>
    public static Autocast Enter(DeviceType device, ScalarType type)
    {
        if (type is not (ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"Autocast runs in BFloat16 or Float16, not {type}.", nameof(type));
        if (!IsAvailable)
            throw new NotSupportedException("This libtorch does not export at::autocast::set_autocast_enabled; mixed precision is not available with it.");
        return new Autocast(DeviceCode(device), type);
    }

    /// <summary>Leaves the scope: restores the state found on entry.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (DecrementNesting() == 0) ClearCache();
        SetEnabled(_device, _previousEnabled);
        SetType(_device, _previousType);
    }

    private const sbyte CpuDevice = 0;

    /// <summary>c10::DeviceType's value (CPU 0, CUDA 1, …), which TorchSharp's <see cref="DeviceType"/> mirrors.</summary>
    private static sbyte DeviceCode(DeviceType device) => (sbyte)device;

    [DllImport(TorchCpu, EntryPoint = "_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool IsEnabled(sbyte device);

    [DllImport(TorchCpu, EntryPoint = "_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb")]
    private static extern void SetEnabled(sbyte device, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport(TorchCpu, EntryPoint = "_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE")]
    private static extern sbyte GetType(sbyte device);

    [DllImport(TorchCpu, EntryPoint = "_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE")]
    private static extern void SetType(sbyte device, sbyte type);

    [DllImport(TorchCpu, EntryPoint = "_ZN2at8autocast17increment_nestingEv")]
    private static extern int IncrementNesting();

    [DllImport(TorchCpu, EntryPoint = "_ZN2at8autocast17decrement_nestingEv")]
    private static extern int DecrementNesting();

    [DllImport(TorchCpu, EntryPoint = "_ZN2at8autocast11clear_cacheEv")]
    private static extern void ClearCache();
}
