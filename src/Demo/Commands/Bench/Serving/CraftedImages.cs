using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace CnnMl.Demo.Commands.Bench.Serving;

/// <summary>Hand-made image files for the abuse of <c>cnnml serve</c>: a decompression bomb, PNGs cut short.</summary>
internal static class CraftedImages
{
    /// <summary>
    /// A valid, whole PNG of <paramref name="width"/> × <paramref name="height"/> 8-bit grayscale pixels, all black, whose
    /// compressed data is a few kilobytes (zlib of 1 MB of zeros, the first rows): 20,000 × 20,000 would decode to 400 MB
    /// of pixels (1.6 GB as RGBA). A server must refuse it from its header.
    /// </summary>
    public static byte[] DecompressionBomb(int width = 20_000, int height = 20_000)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; color type 0 (gray), compression, filter and interlace 0
        Chunk(png, "IHDR", header);
        using var data = new MemoryStream();
        using (var zlib = new ZLibStream(data, CompressionLevel.SmallestSize, leaveOpen: true)) zlib.Write(new byte[1 << 20]);
        Chunk(png, "IDAT", data.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>The first <paramref name="fraction"/> of <paramref name="file"/> (at least its first byte).</summary>
    public static byte[] Truncated(byte[] file, double fraction) => file[..Math.Clamp((int)(file.Length * fraction), 1, file.Length - 1)];

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typeAndData = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typeAndData);
        data.CopyTo(typeAndData, 4);
        png.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(typeAndData));
        png.Write(crc);
    }
}
