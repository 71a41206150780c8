using System.Globalization;
using OxyPlot;
using static TorchSharp.torch;

namespace CnnMl.Demo.Plots;

/// <summary><c>conv-demo</c>'s edge detection as pictures: the input image X and the output Y = corr2d(X, K), each value written in its cell.</summary>
internal static class EdgeDetectionPlot
{
    /// <summary>The input picture's file name.</summary>
    public const string InputFileName = "edge-detection-input.png";

    /// <summary>The output picture's file name.</summary>
    public const string OutputFileName = "edge-detection-output.png";

    /// <summary>Both pictures' size in pixels.</summary>
    public const int Width = 640, Height = 480;

    /// <summary>Writes the input and the output into <paramref name="folder"/>.</summary>
    public static void Write(PlotFolder folder, Tensor image, Tensor edges)
    {
        // Gray for the image (dark 0 — dark gray, so the black labels stay readable — white 1); light blue, white, light red for the edges (−1, 0, 1).
        folder.Save(Create("Edge detection input X: white (1) with a black (0) band", image, OxyPalette.Interpolate(2, OxyColor.FromRgb(96, 96, 96), OxyColors.White)), InputFileName, Width, Height);
        folder.Save(Create("Output Y = corr2d(X, [[1, −1]]): 1 white→black, −1 black→white", edges, OxyPalette.Interpolate(3, OxyColors.CornflowerBlue, OxyColors.White, OxyColors.Salmon)), OutputFileName, Width, Height);
    }

    private static PlotModel Create(string title, Tensor matrix, OxyPalette palette)
    {
        var rows = (int)matrix.shape[0];
        var columns = (int)matrix.shape[1];
        var flat = matrix.contiguous().data<float>().ToArray();
        var values = new double[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++) values[r, c] = flat[r * columns + c];
        }
        return LabeledHeatMap.Create(title, values, "row", Indices(rows), "column", Indices(columns), palette, "0");
    }

    private static List<string> Indices(int count) => Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
}
