using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CnnMl.Persistence;

/// <summary>
/// The checkpoint's integrity seal: the zip archive comment <c>cnnml-checkpoint sha256=&lt;64 hex digits&gt;</c>,
/// the SHA-256 of every byte before the end-of-central-directory record. It detects any change to the file,
/// including bytes zip itself ignores (timestamps, attributes) and damage to stored data (.NET does not check
/// the CRC-32 of zip entries). It guards against accidents, not forgery: anyone can recompute it.
/// </summary>
internal static class CheckpointSeal
{
    /// <summary>The comment's fixed start.</summary>
    public const string Prefix = "cnnml-checkpoint sha256=";

    /// <summary>Length of the comment: the prefix and 64 lower-case hex digits.</summary>
    public const int CommentLength = 88;

    /// <summary>Bytes of the end-of-central-directory record without its comment.</summary>
    private const int EndRecordLength = 22;

    private const uint EndRecordSignature = 0x06054b50;

    /// <summary>The record and the comment: the last bytes of every checkpoint.</summary>
    public const int TrailerLength = EndRecordLength + CommentLength;

    /// <summary>The comment written before the digest is known.</summary>
    public static string Placeholder { get; } = Prefix + new string('0', 64);

    /// <summary>Computes the digest of a finished archive and writes it over the placeholder at its end.</summary>
    /// <param name="stream">The whole archive, readable, writable and seekable.</param>
    public static void Seal(Stream stream)
    {
        var length = stream.Length;
        Span<byte> trailer = stackalloc byte[TrailerLength];
        stream.Position = length - TrailerLength;
        stream.ReadExactly(trailer);
        if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) != EndRecordSignature || Encoding.ASCII.GetString(trailer[EndRecordLength..]) != Placeholder)
            throw new InvalidOperationException("The zip writer did not end the archive with the placeholder comment; cannot seal the checkpoint.");
        var digest = Digest(stream, length - TrailerLength);
        stream.Position = length - (CommentLength - Prefix.Length);
        stream.Write(Encoding.ASCII.GetBytes(digest));
    }

    /// <summary>Checks the seal of <paramref name="stream"/> (readable, seekable).</summary>
    /// <exception cref="InvalidDataException">No seal, or the digest differs: the file was changed or damaged.</exception>
    public static void Verify(Stream stream)
    {
        var length = stream.Length;
        if (length < TrailerLength)
            throw new InvalidDataException($"the file is {length} bytes; a checkpoint ends with a {TrailerLength}-byte zip trailer (truncated, or not a checkpoint).");
        Span<byte> trailer = stackalloc byte[TrailerLength];
        stream.Position = length - TrailerLength;
        stream.ReadExactly(trailer);
        var comment = trailer[EndRecordLength..];
        if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) != EndRecordSignature
            || BinaryPrimitives.ReadUInt16LittleEndian(trailer[20..]) != CommentLength
            || !comment.StartsWith(Encoding.ASCII.GetBytes(Prefix)))
            throw new InvalidDataException($"the file does not end with a zip record whose comment is '{Prefix}…' (truncated, extended, or not a CnnMl checkpoint).");
        var recorded = Encoding.ASCII.GetString(comment[Prefix.Length..]);
        var actual = Digest(stream, length - TrailerLength);
        if (!string.Equals(recorded, actual, StringComparison.Ordinal))
            throw new InvalidDataException($"checksum mismatch: the SHA-256 of the first {length - TrailerLength} bytes is {actual}, the file records {Printable(recorded)} (the file was changed or damaged after it was written).");
        stream.Position = 0;
    }

    private static string Digest(Stream stream, long count)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        stream.Position = 0;
        for (var left = count; left > 0;)
        {
            var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0) throw new EndOfStreamException("The file ended while computing its checksum.");
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string Printable(string text) => new(text.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
}
