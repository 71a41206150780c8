using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using SkiaSharp;

namespace CnnMl.Data;

/// <summary>
/// Checks that an image file is whole before ML.NET's <c>LoadImages</c> reads it. <c>LoadImages</c> decodes
/// through SkiaSharp's <c>SKBitmap.Decode</c>, which returns the rows it could read from a truncated PNG or
/// JPEG without a word (the rest stays blank) and reports a corrupt file as <c>ArgumentException</c>
/// ("Invalid input stream contents") without its name. This check reads the file's structure — every PNG
/// chunk's CRC and the IEND chunk, the JPEG end-of-image marker, the BMP file size, the GIF trailer — and
/// decodes it completely with the same decoder, requiring every row.
/// </summary>
/// <remarks>
/// What no check can see: JPEG carries no checksum, so a changed bit inside its compressed data decodes to a
/// complete image with other pixels; such a file passes. PNG's CRCs cover every byte after the signature.
/// </remarks>
public static class ImageFiles
{
    /// <summary>Files larger than this are refused (256 MiB).</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>Images wider or taller than this are refused.</summary>
    public const int MaxSide = 16_384;

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Checks one file and returns its width and height.</summary>
    /// <exception cref="ImageFileException">The file is not a whole PNG, JPEG, BMP or GIF image; the message names it and the defect.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">Its folder does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">It cannot be read.</exception>
    public static (int Width, int Height) Check(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"Image file '{path}' does not exist.", path);
        if (info.Length > MaxFileBytes) throw new ImageFileException(path, $"{info.Length:N0} bytes is more than the {MaxFileBytes:N0} an image may have");
        var bytes = File.ReadAllBytes(path);
        var format = CheckStructure(bytes, path);
        return Decode(bytes, path, format);
    }

    /// <summary>
    /// Checks one image already in memory (an upload, or a file read once) as <see cref="Check"/> checks a file,
    /// and returns its width and height; <paramref name="name"/> names it in the messages.
    /// </summary>
    /// <exception cref="ImageFileException">The bytes are not a whole PNG, JPEG, BMP or GIF image of at most <see cref="MaxSide"/> pixels a side.</exception>
    internal static (int Width, int Height) CheckBytes(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.LongLength > MaxFileBytes) throw new ImageFileException(name, $"{bytes.LongLength:N0} bytes is more than the {MaxFileBytes:N0} an image may have");
        return Decode(bytes, name, CheckStructure(bytes, name));
    }

    private static string CheckStructure(byte[] bytes, string path)
    {
        var span = bytes.AsSpan();
        if (span.StartsWith(PngSignature))
        {
            CheckPngChunks(span, path);
            return "PNG";
        }
        if (span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            var end = span.TrimEnd((byte)0); // some writers pad after the end-of-image marker
            if (!end.EndsWith((ReadOnlySpan<byte>)[0xFF, 0xD9]))
                throw new ImageFileException(path, "JPEG data does not end with the end-of-image marker FF D9: the file is cut short");
            return "JPEG";
        }
        if (span.StartsWith("BM"u8) && span.Length >= 14)
        {
            var declared = BinaryPrimitives.ReadUInt32LittleEndian(span[2..]);
            var pixelsAt = BinaryPrimitives.ReadUInt32LittleEndian(span[10..]);
            if (declared != 0 && declared != span.Length)
                throw new ImageFileException(path, $"the BMP header gives a file size of {declared:N0} bytes; the file has {span.Length:N0}");
            if (pixelsAt >= span.Length)
                throw new ImageFileException(path, $"the BMP pixel data should start at byte {pixelsAt:N0}, past the end of the file ({span.Length:N0} bytes)");
            return "BMP";
        }
        if (span.StartsWith("GIF87a"u8) || span.StartsWith("GIF89a"u8))
        {
            if (span[^1] != 0x3B) throw new ImageFileException(path, "GIF data does not end with its trailer byte 3B: the file is cut short");
            return "GIF";
        }
        var head = Convert.ToHexString(span[..Math.Min(8, span.Length)]);
        throw new ImageFileException(path, span.Length == 0
            ? "the file is empty"
            : $"not a PNG, JPEG, BMP or GIF image (it starts with {head}); convert it, or leave it out of the data");
    }

    private static void CheckPngChunks(ReadOnlySpan<byte> png, string path)
    {
        var offset = PngSignature.Length;
        var first = true;
        while (true)
        {
            if (offset + 8 > png.Length)
                throw new ImageFileException(path, $"PNG data stops at byte {png.Length:N0} before its IEND chunk: the file is cut short");
            var length = BinaryPrimitives.ReadUInt32BigEndian(png[offset..]);
            var type = png.Slice(offset + 4, 4);
            var name = Encoding.ASCII.GetString(type);
            foreach (var c in type)
            {
                if (c is not (>= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z'))
                    throw new ImageFileException(path, $"PNG chunk at byte {offset:N0} has an invalid type (bytes {Convert.ToHexString(type)}, not four ASCII letters): the file is damaged");
            }
            if (length > int.MaxValue || offset + 12L + length > png.Length)
                throw new ImageFileException(path, $"PNG chunk '{name}' at byte {offset:N0} declares {length:N0} bytes, more than the file holds: the file is cut short or damaged");
            var body = png.Slice(offset + 4, 4 + (int)length);
            var stored = BinaryPrimitives.ReadUInt32BigEndian(png[(offset + 8 + (int)length)..]);
            if (Crc32.HashToUInt32(body) != stored)
                throw new ImageFileException(path, $"PNG chunk '{name}' at byte {offset:N0} fails its CRC check: the file is damaged");
            if (first && name != "IHDR")
                throw new ImageFileException(path, $"the first PNG chunk is '{name}', not IHDR");
            first = false;
            offset += 12 + (int)length;
            if (name == "IEND")
            {
                if (offset != png.Length)
                    throw new ImageFileException(path, $"{png.Length - offset:N0} bytes follow the PNG's IEND chunk");
                return;
            }
        }
    }

    private static (int Width, int Height) Decode(byte[] bytes, string path, string format)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        using var codec = SKCodec.Create(stream, out var opened);
        if (codec is null)
            throw new ImageFileException(path, $"the {format} decoder cannot read it ({opened}): the file is damaged");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width is < 1 or > MaxSide || height is < 1 or > MaxSide)
            throw new ImageFileException(path, $"its {format} header gives {width}x{height} pixels; sides of 1 to {MaxSide:N0} are read");
        var target = new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(target);
        var decoded = codec.GetPixels(target, bitmap.GetPixels());
        if (decoded != SKCodecResult.Success)
            throw new ImageFileException(path, decoded == SKCodecResult.IncompleteInput
                ? $"its {format} data ends before the last row of the {width}x{height} image: the file is cut short"
                : $"decoding the {format} data failed ({decoded}): the file is damaged");
        return (width, height);
    }
}
