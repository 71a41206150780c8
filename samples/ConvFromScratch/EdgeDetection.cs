using static TorchSharp.torch;

namespace CnnMl.Samples.ConvFromScratch;

/// <summary>
/// The source document's edge-detection example: a 6×8 black-and-white image whose middle four columns
/// are black, and the 1×2 kernel <c>[1, −1]</c> that is non-zero exactly where horizontally adjacent
/// pixels differ — it finds vertical edges and, on the transposed image, nothing.
/// </summary>
public static class EdgeDetection
{
    /// <summary>Height of the example image.</summary>
    public const int Height = 6;

    /// <summary>Width of the example image.</summary>
    public const int Width = 8;

    /// <summary>First black column.</summary>
    public const int BlackFrom = 2;

    /// <summary>One past the last black column.</summary>
    public const int BlackTo = 6;

    /// <summary><c>X = ones(6, 8); X[:, 2:6] = 0</c>.</summary>
    public static Tensor Image()
    {
        var x = ones(Height, Width);
        x[TensorIndex.Colon, TensorIndex.Slice(BlackFrom, BlackTo)] = zeros(1);
        return x;
    }

    /// <summary>The vertical-edge kernel <c>K = [[1, −1]]</c>.</summary>
    public static Tensor Kernel() => tensor(new float[,] { { 1, -1 } });
}
