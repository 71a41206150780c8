namespace CnnMl.Training;

/// <summary>Whether training uses libtorch's oneDNN convolution kernels (libtorch's process-wide switch <c>at::Context::setUserEnabledMkldnn</c>, set for the run and restored after it).</summary>
public enum OneDnnMode
{
    /// <summary>
    /// Off while training a network that has a convolution (other than its first) whose output channels per
    /// group are not a multiple of 16 — the shapes whose oneDNN backward pass is wrong in libtorch 2.10 — and
    /// on otherwise (it is several times faster).
    /// </summary>
    Auto,

    /// <summary>Always use oneDNN (fastest; wrong gradients for the shapes described under <see cref="Auto"/>).</summary>
    On,

    /// <summary>Never use oneDNN while training (libtorch's native convolutions: correct, slower).</summary>
    Off,
}
