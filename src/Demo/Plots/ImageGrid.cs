using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace CnnMl.Demo.Plots;

/// <summary>One small picture of a grid: <see cref="Values"/>[row, column], and the caption written under it.</summary>
internal sealed record GridTile(float[,] Values, string Caption);

/// <summary>
/// Small pictures of one size (digits, kernels) laid out in a grid with a caption under each: one heat map per tile on
/// hidden axes, every data unit drawn as <c>scale</c>×<c>scale</c> pixels.
/// </summary>
internal static class ImageGrid
{
    private const double GapPixels = 10, CaptionPixels = 18, MarginPixels = 12, TitlePixels = 40, ColorBarPixels = 90;

    /// <summary>
    /// The grid of <paramref name="tiles"/>, <paramref name="perRow"/> to a row, colored with <paramref name="palette"/>
    /// from <paramref name="minimum"/> to <paramref name="maximum"/>; returns the plot and the PNG size that keeps
    /// every pixel square, at least <paramref name="minimumWidth"/> wide (the grid is then centered, so the title fits).
    /// </summary>
    /// <param name="colorBarTitle">When given, a color bar of the palette from <paramref name="minimum"/> to <paramref name="maximum"/>, so titled, right of the grid.</param>
    /// <param name="captionLines">Lines of text under each tile.</param>
    public static (PlotModel Plot, int Width, int Height) Create(string title, IReadOnlyList<GridTile> tiles, int perRow, double scale,
        OxyPalette palette, double minimum, double maximum, int minimumWidth, string? colorBarTitle = null, int captionLines = 1)
    {
        if (tiles.Count == 0) throw new ArgumentException("A grid needs at least one tile.", nameof(tiles));
        var rows = tiles[0].Values.GetLength(0);
        var columns = tiles[0].Values.GetLength(1);
        var gridColumns = Math.Min(perRow, tiles.Count);
        var gridRows = (tiles.Count + perRow - 1) / perRow;
        var gap = GapPixels / scale;
        var caption = CaptionPixels * captionLines / scale;
        var cellWidth = columns + gap;
        var cellHeight = rows + caption + gap;

        var width = gridColumns * cellWidth - gap;
        var height = gridRows * cellHeight - gap;
        var pixelWidth = (int)Math.Ceiling(width * scale + 2 * MarginPixels);
        var pixelHeight = (int)Math.Ceiling(height * scale + TitlePixels + MarginPixels);
        var side = MarginPixels;
        if (pixelWidth < minimumWidth)
        {
            side += (minimumWidth - pixelWidth) / 2.0;
            pixelWidth = minimumWidth;
        }
        // The color bar's band, its tick labels and its title take a strip right of the grid.
        var bar = colorBarTitle is null ? 0 : ColorBarPixels;
        pixelWidth += (int)bar;
        // No PlotModel.Title and no padding: OxyPlot would size the title area itself. The plot area is then exactly
        // the grid plus a heading band above it, so every data unit is scale × scale pixels.
        var heading = TitlePixels / scale;
        var plot = new PlotModel
        {
            Padding = new OxyThickness(0),
            PlotAreaBorderThickness = new OxyThickness(0),
            PlotMargins = new OxyThickness(0, 0, bar, MarginPixels),
        };
        // The plot area spans the picture (but the color bar): annotations are clipped to it, and the heading may be
        // wider than the grid. Data x = 0 is the grid's left edge, `side` pixels in.
        plot.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Bottom, Minimum = -side / scale, Maximum = (pixelWidth - bar - side) / scale, MinimumPadding = 0, MaximumPadding = 0, IsAxisVisible = false,
        });
        plot.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Minimum = -height, Maximum = heading, MinimumPadding = 0, MaximumPadding = 0, IsAxisVisible = false });
        plot.Axes.Add(colorBarTitle is null
            ? new LinearColorAxis { Position = AxisPosition.None, Palette = palette, Minimum = minimum, Maximum = maximum, IsAxisVisible = false }
            : new LinearColorAxis
            {
                // Beside the grid only, not the heading band above it.
                Position = AxisPosition.Right, Palette = palette, Minimum = minimum, Maximum = maximum, Title = colorBarTitle,
                StartPosition = 0, EndPosition = height / (height + heading), AxisDistance = 8, FontSize = 11,
            });
        plot.Annotations.Add(new TextAnnotation
        {
            Text = title,
            TextPosition = new DataPoint(width / 2, heading / 2),
            TextHorizontalAlignment = HorizontalAlignment.Center,
            TextVerticalAlignment = VerticalAlignment.Middle,
            FontSize = 14,
            Stroke = OxyColors.Transparent,
            Background = OxyColors.Transparent,
            // The heading may be wider than the grid (it is centered over the whole picture).
            ClipByXAxis = false,
            ClipByYAxis = false,
        });

        for (var k = 0; k < tiles.Count; k++)
        {
            var left = k % perRow * cellWidth;
            var top = -(k / perRow) * cellHeight;
            var values = tiles[k].Values;
            // HeatMapSeries.Data[x, y] runs upwards along y: picture row r is y index rows - 1 - r.
            var data = new double[columns, rows];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++) data[c, rows - 1 - r] = values[r, c];
            }
            plot.Series.Add(new HeatMapSeries
            {
                X0 = left + 0.5,
                X1 = left + columns - 0.5,
                Y0 = top - rows + 0.5,
                Y1 = top - 0.5,
                Data = data,
                Interpolate = false,
                RenderMethod = HeatMapRenderMethod.Rectangles,
                CoordinateDefinition = HeatMapCoordinateDefinition.Center,
            });
            plot.Annotations.Add(new TextAnnotation
            {
                Text = tiles[k].Caption,
                TextPosition = new DataPoint(left + columns / 2.0, top - rows - caption * 0.15),
                TextHorizontalAlignment = HorizontalAlignment.Center,
                TextVerticalAlignment = VerticalAlignment.Top,
                FontSize = 11,
                Stroke = OxyColors.Transparent,
                Background = OxyColors.Transparent,
            });
        }
        return (plot, pixelWidth, pixelHeight);
    }
}
