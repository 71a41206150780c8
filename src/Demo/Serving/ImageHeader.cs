using System.Buffers.Binary;

namespace CnnMl.Demo.Serving;

/// <summary>The encodings <c>/predict</c> reads.</summary>
internal enum ImageFormat
{
    Png,
    Jpeg,
    Bmp,
}

/// <summary>
/// An encoded image's format and declared size, read from its first bytes, and a check that the file is whole — all
/// before any decoder sees it. A decompression bomb (a few kilobytes of PNG declaring 20,000 × 20,000 pixels, which a
/// decoder would inflate to 1.6 GB) is refused here, as are bytes that are no PNG, JPEG or BMP and files cut short.
/// </summary>
internal sealed record ImageHeader(ImageFormat Format, int Width, int Height)
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Width × height.</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>
    /// Reads the header of <paramref name="bytes"/> (named <paramref name="name"/> in messages) and checks it against
    /// <paramref name="maxPixels"/>. Throws <see cref="RequestProblem"/>: 400 for bytes that are no supported image or a
    /// file cut short, 413 for an image declaring more pixels than allowed.
    /// </summary>
    public static ImageHeader Read(ReadOnlySpan<byte> bytes, string name, long maxPixels)
    {
        if (bytes.Length == 0) throw RequestProblem.BadRequest($"{Capital(name)} is empty; send the bytes of a PNG, JPEG or BMP image.");
        var header = bytes.StartsWith(PngSignature) ? Png(bytes, name)
            : bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF ? Jpeg(bytes, name)
            : bytes.Length >= 2 && bytes[0] == (byte)'B' && bytes[1] == (byte)'M' ? Bmp(bytes, name)
            : throw RequestProblem.BadRequest(
                $"{Capital(name)} is not a PNG, JPEG or BMP image (it starts with {Hex(bytes[..Math.Min(8, bytes.Length)])}); send the image file's bytes as they are on disk.");
        if (header.Width < 1 || header.Height < 1)
            throw RequestProblem.BadRequest($"{Capital(name)} declares {header.Width} × {header.Height} pixels; an image has at least 1 × 1.");
        if (header.Pixels > maxPixels)
            throw RequestProblem.TooLarge(
                $"{Capital(name)} declares {header.Width:N0} × {header.Height:N0} pixels ({header.Pixels / 1e6:0.#} megapixels); the server decodes at most {maxPixels / 1e6:0.#} megapixels. Scale the image down before sending it.");
        return header;
    }

    private static ImageHeader Png(ReadOnlySpan<byte> bytes, string name)
    {
        // Signature, then chunks: length (4, big-endian), type (4), data, CRC (4); IHDR first, IEND last.
        if (bytes.Length < 8 + 8 + 13 || !bytes.Slice(12, 4).SequenceEqual("IHDR"u8))
            throw Truncated(name, "PNG", "its IHDR header");
        var width = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
        var height = BinaryPrimitives.ReadUInt32BigEndian(bytes[20..]);
        var position = 8;
        while (true)
        {
            if (position + 12 > bytes.Length) throw Truncated(name, "PNG", "its IEND chunk");
            var length = BinaryPrimitives.ReadUInt32BigEndian(bytes[position..]);
            if (length > (uint)(bytes.Length - position - 12)) throw Truncated(name, "PNG", $"the rest of its '{Type(bytes.Slice(position + 4, 4))}' chunk");
            if (bytes.Slice(position + 4, 4).SequenceEqual("IEND"u8)) break;
            position += 12 + (int)length;
        }
        return new ImageHeader(ImageFormat.Png, Clamp(width), Clamp(height));
    }

    private static ImageHeader Jpeg(ReadOnlySpan<byte> bytes, string name)
    {
        // Segments after SOI: FF marker, then (but for RSTn, SOI, EOI, TEM) a big-endian length that counts itself.
        // The size is in the first SOFn frame header; the entropy-coded data after SOS ends with EOI (FF D9).
        var position = 2;
        int? width = null, height = null;
        while (true)
        {
            while (position < bytes.Length && bytes[position] == 0xFF && position + 1 < bytes.Length && bytes[position + 1] == 0xFF) position++;
            if (position + 4 > bytes.Length || bytes[position] != 0xFF) throw Truncated(name, "JPEG", "its frame header");
            var marker = bytes[position + 1];
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) { position += 2; continue; }
            if (marker == 0xD9) throw Truncated(name, "JPEG", "image data before its end marker");
            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(position + 2)..]);
            if (length < 2 || position + 2 + length > bytes.Length) throw Truncated(name, "JPEG", "the rest of a header segment");
            if (marker is (>= 0xC0 and <= 0xCF) and not (0xC4 or 0xC8 or 0xCC) && length >= 7)
            {
                height = BinaryPrimitives.ReadUInt16BigEndian(bytes[(position + 5)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(bytes[(position + 7)..]);
            }
            position += 2 + length;
            if (marker == 0xDA) break;
        }
        if (width is null || height is null) throw RequestProblem.BadRequest($"{Capital(name)} is a JPEG without a frame header (SOF); it cannot be decoded.");
        if (bytes[position..].LastIndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) < 0) throw Truncated(name, "JPEG", "its end marker (FF D9)");
        return new ImageHeader(ImageFormat.Jpeg, width.Value, height.Value);
    }

    private static ImageHeader Bmp(ReadOnlySpan<byte> bytes, string name)
    {
        // BITMAPFILEHEADER (14 bytes: BM, size, reserved, pixel offset), then a DIB header: 12 bytes (OS/2 core:
        // 16-bit width and height) or 40+ (32-bit, height negative for top-down rows).
        if (bytes.Length < 26) throw Truncated(name, "BMP", "its headers");
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(bytes[10..]);
        var dibSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[14..]);
        long width, height;
        int bitsPerPixel;
        var compressed = false;
        if (dibSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(bytes[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(bytes[20..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bytes[24..]);
        }
        else
        {
            if (dibSize < 40 || bytes.Length < 14 + 40) throw Truncated(name, "BMP", "its headers");
            width = BinaryPrimitives.ReadInt32LittleEndian(bytes[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bytes[22..]));
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bytes[28..]);
            compressed = BinaryPrimitives.ReadUInt32LittleEndian(bytes[30..]) is not (0 or 3 or 6);
        }
        if (bitsPerPixel is not (1 or 4 or 8 or 16 or 24 or 32))
            throw RequestProblem.BadRequest($"{Capital(name)} is a BMP with {bitsPerPixel} bits per pixel; BMPs have 1, 4, 8, 16, 24 or 32.");
        var rows = compressed ? 1 : ((bitsPerPixel * width + 31) / 32) * 4 * height;
        if (width > 0 && height > 0 && offset + rows > bytes.Length) throw Truncated(name, "BMP", "its pixel rows");
        return new ImageHeader(ImageFormat.Bmp, Clamp(width), Clamp(height));
    }

    private static RequestProblem Truncated(string name, string format, string missing) =>
        RequestProblem.BadRequest($"{Capital(name)} is a {format} cut short: {missing} is missing. Send the whole file.");

    private static int Clamp(long value) => (int)Math.Clamp(value, 0, int.MaxValue);

    private static string Type(ReadOnlySpan<byte> type) => string.Concat(type.ToArray().Select(b => b is >= 0x20 and < 0x7F ? (char)b : '?'));

    private static string Hex(ReadOnlySpan<byte> bytes) => string.Join(" ", bytes.ToArray().Select(b => b.ToString("X2")));

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
