using System.Buffers.Binary;
using System.IO.Compression;

namespace CnnMl.Data;

/// <summary>
/// Reads idx files (LeCun's MNIST format), raw or gzip-compressed. Header: two zero bytes, a type byte
/// (0x08 = unsigned byte, the only type MNIST uses), the number of dimensions, then each dimension as a
/// big-endian int32; the payload follows. Every defect raises <see cref="IdxFormatException"/>.
/// </summary>
public static class IdxReader
{
    private const byte UnsignedByteType = 0x08;
    private const int MaxDimensions = 4;
    private const int InitialBuffer = 1 << 20;

    /// <summary>Reads a whole idx file; a file starting with the gzip signature is decompressed.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IdxFormatException">The file is truncated, too long or has a bad header.</exception>
    public static IdxFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Idx file '{path}' does not exist.", path);
        using var file = File.OpenRead(path);
        var isGzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using Stream stream = isGzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        IdxFile idx;
        try
        {
            idx = Read(stream, path);
        }
        catch (InvalidDataException ex)
        {
            throw new IdxFormatException(path, $"gzip data is corrupt ({ex.Message})");
        }
        if (isGzip) CheckGzipTrailer(file, idx, path);
        return idx;
    }

    // .NET's GZipStream checks the CRC of a complete member but says nothing when the 8-byte trailer is cut
    // off or followed by other bytes. The trailer's last field is the uncompressed size mod 2^32: it must be
    // the file's last 4 bytes and equal what was read.
    private static void CheckGzipTrailer(FileStream file, IdxFile idx, string path)
    {
        var size = (uint)(4 + 4 * idx.Dimensions.Count + idx.Data.LongLength);
        Span<byte> isize = stackalloc byte[4];
        file.Position = Math.Max(0, file.Length - 4);
        if (file.Length < 18 || ReadFully(file, isize) < 4 || BinaryPrimitives.ReadUInt32LittleEndian(isize) != size)
            throw new IdxFormatException(path, "the gzip trailer is missing, cut short or followed by other data (the file does not end with the size of what it holds)");
    }

    /// <summary>Reads an idx file from a stream; <paramref name="name"/> is used in error messages.</summary>
    public static IdxFile Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> magic = stackalloc byte[4];
        if (ReadFully(stream, magic) < 4)
            throw new IdxFormatException(name, "file is shorter than the 4-byte magic number");
        if (magic[0] != 0 || magic[1] != 0)
            throw new IdxFormatException(name, $"bad magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(magic):X8}: the first two bytes must be zero (is this an idx file?)");
        if (magic[2] != UnsignedByteType)
            throw new IdxFormatException(name, $"element type 0x{magic[2]:X2} is not supported; MNIST files use 0x08 (unsigned byte)");
        int rank = magic[3];
        if (rank is < 1 or > MaxDimensions)
            throw new IdxFormatException(name, $"header declares {rank} dimensions; expected 1 to {MaxDimensions}");

        Span<byte> header = stackalloc byte[4 * rank];
        if (ReadFully(stream, header) < header.Length)
            throw new IdxFormatException(name, $"truncated header: {rank} dimension sizes expected");
        var dimensions = new int[rank];
        long length = 1;
        for (var i = 0; i < rank; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(header[(4 * i)..]);
            if (dimensions[i] < 1)
                throw new IdxFormatException(name, $"dimension {i} is {dimensions[i]}; dimensions must be positive");
            length *= dimensions[i];
        }
        if (length > Array.MaxLength)
            throw new IdxFormatException(name, $"payload of {length:N0} bytes ({string.Join("x", dimensions)}) is too large");

        // A damaged header can promise gigabytes: never allocate more than the file can hold (raw files)
        // or than has actually arrived (gzip, whose size is unknown until the end).
        if (stream.CanSeek && stream.Length - stream.Position < length)
            throw new IdxFormatException(name, $"truncated: header promises {length:N0} payload bytes ({string.Join("x", dimensions)}) but only {stream.Length - stream.Position:N0} follow");
        var data = stream.CanSeek ? new byte[length] : new byte[Math.Min(length, InitialBuffer)];
        var read = 0L;
        while (read < length)
        {
            if (read == data.Length) Array.Resize(ref data, (int)Math.Min(length, 2L * data.Length));
            var n = ReadFully(stream, data.AsSpan((int)read));
            if (n == 0) break;
            read += n;
        }
        if (read < length)
            throw new IdxFormatException(name, $"truncated: header promises {length:N0} payload bytes ({string.Join("x", dimensions)}) but only {read:N0} follow");
        if (stream.ReadByte() >= 0)
            throw new IdxFormatException(name, $"{length:N0} payload bytes ({string.Join("x", dimensions)}) are followed by extra data");
        return new IdxFile(name, dimensions, data);
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
