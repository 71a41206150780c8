namespace CnnMl.Demo.Commands.Train;

/// <summary>Where <c>cnnml train --device</c> trains.</summary>
public enum TrainDevice
{
    /// <summary>The CPU (libtorch's threads).</summary>
    Cpu,

    /// <summary>CUDA device 0 (<c>MLContext.GpuDeviceId = 0</c>, no fallback to the CPU).</summary>
    Cuda,
}
