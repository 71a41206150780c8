using Microsoft.ML.Data;

namespace CnnMl.Tests.Support;

/// <summary>
/// Image files for pipeline tests: 40×40 PNGs of a bright disc ("circle") or a bright vertical bar ("bar")
/// at a random place on a dark noisy background, named "{label}-{index:D3}.png".
/// </summary>
internal static class CircleBarImages
{
    public static readonly string[] Classes = ["circle", "bar"];

    public const int Size = 40;

    /// <summary>Writes <paramref name="count"/> images (even indices circles, odd bars) into <paramref name="folder"/>.</summary>
    public static void Write(string folder, int count, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var isCircle = i % 2 == 0;
            using var image = MLImage.CreateFromPixels(Size, Size, MLPixelFormat.Bgra32, Pixels(isCircle, random));
            image.Save(Path.Combine(folder, $"{(isCircle ? "circle" : "bar")}-{i:D3}.png"));
        }
    }

    /// <summary>One BGRA image: the shape in gray level 230, the background 0–39.</summary>
    public static byte[] Pixels(bool isCircle, Random random)
    {
        var pixels = new byte[Size * Size * 4];
        var cx = random.Next(12, 28);
        var cy = random.Next(12, 28);
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var on = isCircle ? (x - cx) * (x - cx) + (y - cy) * (y - cy) < 64 : Math.Abs(x - cx) < 3;
                var value = (byte)(on ? 230 : random.Next(0, 40));
                var p = (y * Size + x) * 4;
                pixels[p] = pixels[p + 1] = pixels[p + 2] = value;
                pixels[p + 3] = 255;
            }
        }
        return pixels;
    }
}
