using static TorchSharp.torch;

namespace CnnMl.Persistence;

/// <summary>One tensor as a safetensors header declares it: name, dtype, shape and its byte range in the data.</summary>
/// <param name="Name">The tensor's key (a PyTorch state-dict name).</param>
/// <param name="DType">The torch type of <paramref name="DTypeName"/>.</param>
/// <param name="DTypeName">The safetensors dtype, e.g. "F32".</param>
/// <param name="Shape">Dimensions, outermost first (empty for a scalar).</param>
/// <param name="Begin">First byte, relative to the end of the header.</param>
/// <param name="End">One past the last byte.</param>
internal sealed record SafetensorsTensorInfo(string Name, ScalarType DType, string DTypeName, long[] Shape, long Begin, long End)
{
    /// <summary>Bytes of data: End − Begin.</summary>
    public long ByteLength => End - Begin;

    /// <summary>"[16, 1, 5, 5]".</summary>
    public static string FormatShape(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";
}
