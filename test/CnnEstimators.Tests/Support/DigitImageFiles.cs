using System.Globalization;
using CnnMl.Data;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Support;

/// <summary>
/// Real MNIST digits written as image files, for the tests that read images the way users have them: one file per
/// digit (PNG is lossless: its pixels are the idx bytes), or a whole folder in Model Builder's layout
/// (<c>DIR/&lt;digit&gt;/&lt;index&gt;.png</c>), grayscale or in color on colored backgrounds.
/// </summary>
internal static class DigitImageFiles
{
    /// <summary>How the digits of a folder look.</summary>
    public enum Style
    {
        /// <summary>White digit on black, as in MNIST, R = G = B.</summary>
        Grayscale,

        /// <summary>A random dark background color per image (each channel 0–110), the digit in a random bright color (each channel 150–255).</summary>
        ColoredBackground,
    }

    /// <summary>
    /// Writes digits <paramref name="first"/>…<paramref name="first"/>+<paramref name="count"/>−1 of <paramref name="digits"/>
    /// into <paramref name="folder"/>/&lt;digit&gt;/&lt;index&gt;<paramref name="extension"/> at <paramref name="side"/>×<paramref name="side"/>:
    /// scaled up bilinearly when <paramref name="side"/> is above 28 and <paramref name="pad"/> is false, else centered
    /// with a black (or background) border. Returns the number of files per digit.
    /// </summary>
    public static int[] WriteFolder(string folder, MnistDataset digits, int first, int count, int side, Style style = Style.Grayscale,
        string extension = ".png", bool pad = false, int seed = 1)
    {
        var random = new Random(seed);
        var perDigit = new int[10];
        var size = digits.Rows * digits.Columns;
        for (var i = first; i < first + count; i++)
        {
            var gray = digits.Pixels.AsSpan(i * size, size);
            var resized = pad ? Pad(gray, digits.Rows, side) : Upscale(gray, digits.Rows, side);
            var label = digits.Labels[i];
            var labelFolder = Directory.CreateDirectory(Path.Combine(folder, label.ToString(CultureInfo.InvariantCulture))).FullName;
            var path = Path.Combine(labelFolder, $"{i:D5}{extension}");
            if (style == Style.Grayscale) WriteGrayscale(path, resized, side);
            else WriteOnBackground(path, resized, side, random);
            perDigit[label]++;
        }
        return perDigit;
    }

    /// <summary>Writes a square grayscale image (PNG or JPEG by extension), R = G = B = the byte, alpha opaque.</summary>
    public static void WriteGrayscale(string path, ReadOnlySpan<byte> gray, int side = 28)
    {
        var bgra = new byte[gray.Length * 4];
        for (var i = 0; i < gray.Length; i++)
        {
            bgra[4 * i] = bgra[4 * i + 1] = bgra[4 * i + 2] = gray[i];
            bgra[4 * i + 3] = 255;
        }
        using var image = MLImage.CreateFromPixels(side, side, MLPixelFormat.Bgra32, bgra);
        image.Save(path);
    }

    /// <summary>Writes one RGB image: a random dark background color, the digit blended in by its gray level in a random bright color.</summary>
    private static void WriteOnBackground(string path, ReadOnlySpan<byte> gray, int side, Random random)
    {
        Span<int> background = [random.Next(0, 111), random.Next(0, 111), random.Next(0, 111)];
        Span<int> digit = [random.Next(150, 256), random.Next(150, 256), random.Next(150, 256)];
        var bgra = new byte[gray.Length * 4];
        for (var i = 0; i < gray.Length; i++)
        {
            var alpha = gray[i] / 255.0;
            for (var c = 0; c < 3; c++)
                bgra[4 * i + 2 - c] = (byte)Math.Round(background[c] * (1 - alpha) + digit[c] * alpha);
            bgra[4 * i + 3] = 255;
        }
        using var image = MLImage.CreateFromPixels(side, side, MLPixelFormat.Bgra32, bgra);
        image.Save(path);
    }

    /// <summary>Bilinear resampling of a square grayscale image to <paramref name="to"/>×<paramref name="to"/> (pixel centers aligned).</summary>
    public static byte[] Upscale(ReadOnlySpan<byte> gray, int from, int to)
    {
        if (from == to) return gray.ToArray();
        var result = new byte[to * to];
        var scale = (double)from / to;
        for (var y = 0; y < to; y++)
        {
            var sy = Math.Clamp((y + 0.5) * scale - 0.5, 0, from - 1);
            var y0 = (int)sy;
            var y1 = Math.Min(y0 + 1, from - 1);
            var fy = sy - y0;
            for (var x = 0; x < to; x++)
            {
                var sx = Math.Clamp((x + 0.5) * scale - 0.5, 0, from - 1);
                var x0 = (int)sx;
                var x1 = Math.Min(x0 + 1, from - 1);
                var fx = sx - x0;
                var top = gray[y0 * from + x0] * (1 - fx) + gray[y0 * from + x1] * fx;
                var bottom = gray[y1 * from + x0] * (1 - fx) + gray[y1 * from + x1] * fx;
                result[y * to + x] = (byte)Math.Round(top * (1 - fy) + bottom * fy);
            }
        }
        return result;
    }

    /// <summary>The image centered on a black square of <paramref name="to"/>×<paramref name="to"/>.</summary>
    private static byte[] Pad(ReadOnlySpan<byte> gray, int from, int to)
    {
        var result = new byte[to * to];
        var offset = (to - from) / 2;
        for (var y = 0; y < from; y++)
            gray.Slice(y * from, from).CopyTo(result.AsSpan((y + offset) * to + offset, from));
        return result;
    }
}
