namespace CnnMl.Training;

/// <summary>Whether training runs the forward pass under libtorch's automatic mixed precision (autocast).</summary>
public enum MixedPrecision
{
    /// <summary>Everything in float32 (default).</summary>
    None,

    /// <summary>
    /// Convolutions, linear layers and matrix products in bfloat16 (float32's range, 8 bits of mantissa), the rest in
    /// float32; no loss scaling needed. On CPUs without native bfloat16 instructions this is slower than float32.
    /// </summary>
    BFloat16,

    /// <summary>
    /// The same in float16 (half precision), with dynamic loss scaling (as PyTorch's <c>GradScaler</c>): the loss is
    /// multiplied before the backward pass, the gradients divided back, and a step whose gradients overflowed is
    /// skipped and the scale halved. Meant for CUDA GPUs (tensor cores).
    /// </summary>
    Float16,
}
