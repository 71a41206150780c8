using Microsoft.ML.Data;

namespace CnnMl.Tests.Support;

/// <summary>
/// A PNG written by the console, decoded with ML.NET's own <see cref="MLImage"/> (ImageAnalytics, already a
/// dependency): its size and its pixels as RGB, for the checks every picture must pass.
/// </summary>
internal sealed class PngPicture
{
    private readonly (byte R, byte G, byte B)[] _pixels;

    private PngPicture(string path, int width, int height, (byte R, byte G, byte B)[] pixels)
    {
        Path = path;
        Width = width;
        Height = height;
        _pixels = pixels;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Decodes <paramref name="path"/>; fails the test if it is not a PNG.</summary>
    public static PngPicture Load(string path)
    {
        var header = new byte[8];
        using (var file = File.OpenRead(path)) file.ReadExactly(header);
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, header, $"{path} is not a PNG");
        using var image = MLImage.CreateFromFile(path);
        var bytes = image.Pixels;
        var pixels = new (byte, byte, byte)[image.Width * image.Height];
        for (var i = 0; i < pixels.Length; i++)
        {
            var p = bytes.Slice(i * 4, 4);
            pixels[i] = image.PixelFormat == MLPixelFormat.Bgra32 ? (p[2], p[1], p[0]) : (p[0], p[1], p[2]);
        }
        return new PngPicture(path, image.Width, image.Height, pixels);
    }

    /// <summary>The number of distinct colors.</summary>
    public int DistinctColors => _pixels.Distinct().Count();

    /// <summary>The share of pixels (0–1) that differ from the most common color, the background.</summary>
    public double ForegroundShare
    {
        get
        {
            var background = _pixels.GroupBy(p => p).MaxBy(g => g.Count())!.Key;
            return _pixels.Count(p => p != background) / (double)_pixels.Length;
        }
    }

    /// <summary>The pixels within <paramref name="tolerance"/> per channel of the color (r, g, b).</summary>
    public int Count(byte r, byte g, byte b, int tolerance = 0) =>
        _pixels.Count(p => Math.Abs(p.R - r) <= tolerance && Math.Abs(p.G - g) <= tolerance && Math.Abs(p.B - b) <= tolerance);

    /// <summary>The pixels whose color satisfies <paramref name="color"/>.</summary>
    public int Count(Func<(byte R, byte G, byte B), bool> color) => _pixels.Count(color);

    /// <summary>The color of the pixel at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    public (byte R, byte G, byte B) this[int x, int y] => _pixels[y * Width + x];

    /// <summary>The pixels of columns <paramref name="fromX"/> on whose color satisfies <paramref name="color"/>.</summary>
    public int CountRightOf(int fromX, Func<(byte R, byte G, byte B), bool> color) =>
        _pixels.Where((p, i) => i % Width >= fromX && color(p)).Count();

    /// <summary>The RGB rows from <paramref name="firstRow"/> on, for comparing two pictures below their titles.</summary>
    public (byte R, byte G, byte B)[] RowsFrom(int firstRow) => _pixels[(firstRow * Width)..];

    /// <summary>
    /// The checks every console picture passes: the expected size, not blank (at least <paramref name="minimumForeground"/>
    /// of the pixels differ from the background), and more than one color (anti-aliased text alone gives grays; a plot
    /// has its own colors too).
    /// </summary>
    public void AssertDrawn(int width, int height, double minimumForeground = 0.02, int minimumColors = 8)
    {
        Assert.AreEqual((width, height), (Width, Height), $"{Path}: size");
        Assert.IsGreaterThanOrEqualTo(minimumForeground, ForegroundShare, $"{Path}: (nearly) blank");
        Assert.IsGreaterThanOrEqualTo(minimumColors, DistinctColors, $"{Path}: colors");
    }
}
