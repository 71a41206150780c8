using OxyPlot;

namespace CnnMl.Demo.Plots;

/// <summary>
/// The learned kernels of a network's first convolution, one tile per output channel: weights
/// [out, in, kh, kw], averaged over the input channels, each tile scaled by its own largest |weight| (blue negative,
/// white zero, red positive) and captioned with that value; a color bar gives the scale.
/// </summary>
internal static class FirstConvolutionKernelsPlot
{
    /// <summary>The picture's file name.</summary>
    public const string FileName = "first-conv-kernels.png";

    /// <summary>At most this many kernels (output channels) are shown.</summary>
    public const int MaxKernels = 64;

    /// <summary>Kernels per grid row.</summary>
    public const int PerRow = 8;

    /// <summary>Writes the kernels of <paramref name="weights"/> into <paramref name="folder"/>.</summary>
    public static string Write(PlotFolder folder, ConvolutionWeights weights, string title)
    {
        var (outChannels, inChannels, height, width) = weights.Shape;
        var shown = Math.Min(outChannels, MaxKernels);
        var tiles = new List<GridTile>(shown);
        for (var o = 0; o < shown; o++)
        {
            var kernel = new float[height, width];
            for (var i = 0; i < inChannels; i++)
            {
                for (var r = 0; r < height; r++)
                {
                    for (var c = 0; c < width; c++) kernel[r, c] += weights.At(o, i, r, c) / inChannels;
                }
            }
            var largest = kernel.Cast<float>().Max(Math.Abs);
            for (var r = 0; r < height; r++)
            {
                for (var c = 0; c < width; c++) kernel[r, c] = largest > 0 ? kernel[r, c] / largest : 0;
            }
            tiles.Add(new GridTile(kernel, $"#{o + 1} ±{largest:0.00}"));
        }
        var heading = $"First convolution ({weights.Name}): {outChannels} kernels {height}×{width}" +
                      (inChannels > 1 ? $", mean of {inChannels} input channels" : "") +
                      (outChannels > shown ? $", first {shown}" : "") + $" · {title}";
        // Kernels of 1–11 pixels: large enough to read each weight, and wide enough for the caption.
        var scale = Math.Max(8, 80.0 / Math.Max(height, width));
        var (plot, pixelWidth, pixelHeight) = ImageGrid.Create(heading, tiles, PerRow, scale, OxyPalettes.BlueWhiteRed(255), -1, 1, minimumWidth: 900,
            colorBarTitle: "weight / largest |weight|");
        return folder.Save(plot, FileName, pixelWidth, pixelHeight);
    }
}
