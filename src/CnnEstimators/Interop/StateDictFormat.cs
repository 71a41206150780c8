namespace CnnMl.Interop;

/// <summary>How state-dict shapes are written in messages: <c>[64, 3, 7, 7]</c>, as PyTorch prints <c>torch.Size</c>.</summary>
internal static class StateDictFormat
{
    public static string Shape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
