using TorchSharp.Modules;

namespace CnnMl.Abstractions;

/// <summary>
/// Implemented by a module whose forward computes the convolution of a child <see cref="Convolution"/> module
/// itself, through a functional call on that child's weight (a masked convolution, for example), so the child's
/// own forward — and any hook on it — never runs.
/// </summary>
/// <remarks>
/// CnnMl's oneDNN probe (<c>OneDnnMode.Auto</c>) treats such a module as the place where that convolution
/// happens: it probes the child's configuration at this module's input shape, and when oneDNN's gradients are
/// wrong for it, this whole module computes its backward pass without oneDNN. The convolution's input must
/// therefore have this module's input shape (elementwise layers such as batch norm and ReLU may come first).
/// </remarks>
public interface IRunsOwnConvolution
{
    /// <summary>The child module whose configuration (channels, kernel, stride, padding, groups) the forward uses.</summary>
    Convolution Convolution { get; }
}
