using static TorchSharp.torch;

namespace CnnMl.Tests.Support;

/// <summary>Exact tensor comparisons (TorchSharp's <c>Tensor.equal</c> is element-wise).</summary>
internal static class TensorAssert
{
    /// <summary>Same shape, same dtype and every element equal, bit for bit.</summary>
    public static bool Identical(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.cpu().eq(b.cpu()).all().item<bool>();
    }
}
