using TorchSharp;

namespace CnnMl.Runtime;

/// <summary>
/// Chooses the TorchSharp device the way ML.NET's own TorchSharp trainers do: CPU unless
/// <c>MLContext.GpuDeviceId</c> is set; CUDA device N when it is set and CUDA is available; when it is
/// set but CUDA is not available, CPU if <c>MLContext.FallbackToCpu</c> is true, else an error.
/// </summary>
internal static class TorchDeviceSelector
{
    /// <summary>Picks the device and says why, in one line for the training log.</summary>
    /// <exception cref="InvalidOperationException">A GPU was asked for, none is available and fallback is off.</exception>
    public static (torch.Device Device, string Description) Select(int? gpuDeviceId, bool fallbackToCpu)
    {
        TorchRuntime.EnsureAvailable();
        if (gpuDeviceId is null) return (torch.CPU, "cpu (MLContext.GpuDeviceId is not set)");
        if (gpuDeviceId < 0)
            throw new ArgumentOutOfRangeException(nameof(gpuDeviceId), gpuDeviceId, "MLContext.GpuDeviceId must be a CUDA device index (0 or more).");
        if (torch.cuda.is_available())
        {
            if (gpuDeviceId >= torch.cuda.device_count())
                throw new ArgumentOutOfRangeException(nameof(gpuDeviceId), gpuDeviceId, $"MLContext.GpuDeviceId is {gpuDeviceId} but only {torch.cuda.device_count()} CUDA device(s) exist.");
            return (new torch.Device(DeviceType.CUDA, gpuDeviceId.Value), $"cuda:{gpuDeviceId}");
        }
        if (!fallbackToCpu)
            throw new InvalidOperationException(
                $"MLContext.GpuDeviceId is {gpuDeviceId} but CUDA is not available (the application references a CPU libtorch, or no GPU/driver is present) " +
                "and MLContext.FallbackToCpu is false. Reference a CUDA libtorch package instead of the CPU one (in CnnMl's repository: build with " +
                "-p:TorchBackend=cuda) on a CUDA machine, or set FallbackToCpu = true.");
        return (torch.CPU, $"cpu (MLContext.GpuDeviceId = {gpuDeviceId} but CUDA is not available; FallbackToCpu)");
    }
}
