namespace CnnMl.Training;

/// <summary>Whether training uses libtorch's oneDNN convolution kernels (libtorch's process-wide switch <c>at::Context::setUserEnabledMkldnn</c>, set for the run and restored after it).</summary>
public enum OneDnnMode
{
    /// <summary>
    /// Decided by measurement on this machine: before training, each distinct convolution configuration the
    /// network runs (input shape and batch, groups, stride, padding, dilation, threads) is probed once per process —
    /// one float32 pass with oneDNN against float64 — and oneDNN stays on wherever it is right; a layer where it is
    /// wrong runs that pass (usually the backward) without oneDNN. The training log says what was found.
    /// </summary>
    Auto,

    /// <summary>Always use oneDNN, unchecked (libtorch 2.10's oneDNN has given wrong convolution gradients on some AVX-512 machines).</summary>
    On,

    /// <summary>Never use oneDNN while training (libtorch's native convolutions: correct, slower).</summary>
    Off,
}
