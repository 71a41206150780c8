using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CnnMl.Data;

namespace CnnMl.Persistence;

/// <summary>
/// SHA-256 of the training examples in order (count, size, features, labels): a resumed run must see the same
/// data in the same order to continue the interrupted one exactly.
/// </summary>
internal static class TrainingDataFingerprint
{
    /// <summary>The fingerprint of <paramref name="examples"/>, lower-case hex.</summary>
    public static string Of(InMemoryExamples examples)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> sizes = stackalloc byte[2 * sizeof(long)];
        BitConverter.TryWriteBytes(sizes, (long)examples.Count);
        BitConverter.TryWriteBytes(sizes[sizeof(long)..], (long)examples.FeatureSize);
        hash.AppendData(sizes);
        hash.AppendData(MemoryMarshal.AsBytes(examples.Features.AsSpan(0, examples.Count * examples.FeatureSize)));
        hash.AppendData(MemoryMarshal.AsBytes(examples.Labels.AsSpan(0, examples.Count)));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
