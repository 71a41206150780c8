namespace CnnMl.Data;

/// <summary>
/// The contents of an idx file of unsigned bytes (the format of the MNIST files): its dimensions and
/// its payload in row-major order.
/// </summary>
public sealed class IdxFile
{
    internal IdxFile(string path, int[] dimensions, byte[] data)
    {
        Path = path;
        Dimensions = dimensions;
        Data = data;
    }

    /// <summary>Where the file was read from.</summary>
    public string Path { get; }

    /// <summary>The dimensions from the header, e.g. [60000, 28, 28] for MNIST training images.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>The payload: product(Dimensions) bytes, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>Number of items (the first dimension).</summary>
    public int Count => Dimensions[0];

    /// <summary>Bytes per item (product of the dimensions after the first).</summary>
    public int ItemSize => Dimensions.Skip(1).Aggregate(1, (a, b) => a * b);
}
