using static TorchSharp.torch;

namespace CnnMl.Samples.ConvFromScratch;

/// <summary>
/// The source document's hand-written two-dimensional cross-correlation (d2l's <c>corr2d</c>), which is
/// what deep-learning libraries call convolution: the kernel slides over the input and each output element
/// is the sum of an element-wise product.
/// </summary>
public static class Corr2d
{
    /// <summary>
    /// <c>Y[i, j] = (X[i:i+h, j:j+w] * K).sum()</c> for every position where the h×w kernel fits, computed with
    /// the source document's two loops. Differentiable: every output element is built with tensor operations, so
    /// gradients flow to <paramref name="X"/> and <paramref name="K"/> (this is what lets <see cref="HandWrittenConv2d"/> train).
    /// </summary>
    /// <param name="X">A 2-D input of shape (H, W).</param>
    /// <param name="K">A 2-D kernel of shape (h, w) with h ≤ H and w ≤ W.</param>
    /// <returns>A tensor of shape (H − h + 1, W − w + 1).</returns>
    /// <exception cref="ArgumentException">An operand is not 2-D, or the kernel is larger than the input.</exception>
    public static Tensor Compute(Tensor X, Tensor K)
    {
        ArgumentNullException.ThrowIfNull(X);
        ArgumentNullException.ThrowIfNull(K);
        if (X.dim() != 2 || K.dim() != 2)
            throw new ArgumentException($"corr2d takes a 2-D input and a 2-D kernel; got input [{string.Join(", ", X.shape)}] and kernel [{string.Join(", ", K.shape)}].");
        long h = K.shape[0], w = K.shape[1];
        long outH = X.shape[0] - h + 1, outW = X.shape[1] - w + 1;
        if (outH < 1 || outW < 1)
            throw new ArgumentException($"corr2d: kernel {h}x{w} does not fit in input {X.shape[0]}x{X.shape[1]}.");

        using var scope = NewDisposeScope();
        var Y = zeros(new[] { outH, outW }, dtype: promote_types(X.dtype, K.dtype), device: X.device);
        for (long i = 0; i < outH; i++)
        {
            for (long j = 0; j < outW; j++)
            {
                using var inner = NewDisposeScope();
                Y[i, j] = (X[TensorIndex.Slice(i, i + h), TensorIndex.Slice(j, j + w)] * K).sum();
            }
        }
        return Y.MoveToOuterDisposeScope();
    }
}
