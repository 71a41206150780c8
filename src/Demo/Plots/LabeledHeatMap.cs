using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace CnnMl.Demo.Plots;

/// <summary>
/// A matrix drawn as a heat map with its value written in every cell, row 0 at the top (as the matrix is printed),
/// one labeled category per row and per column.
/// </summary>
internal static class LabeledHeatMap
{
    /// <summary>
    /// The heat map of <paramref name="values"/>[row, column], colored with <paramref name="palette"/>, each cell
    /// labeled with <paramref name="format"/> (nothing when it is empty).
    /// </summary>
    public static PlotModel Create(string title, double[,] values, string rowTitle, IReadOnlyList<string> rowLabels,
        string columnTitle, IReadOnlyList<string> columnLabels, OxyPalette palette, string format)
    {
        var rows = values.GetLength(0);
        var columns = values.GetLength(1);
        // HeatMapSeries.Data[x, y]: x runs along the columns, y along the rows.
        var data = new double[columns, rows];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++) data[c, r] = values[r, c];
        }

        var plot = new PlotModel { Title = title, TitleFontSize = 15 };
        plot.Axes.Add(Categories(AxisPosition.Bottom, columnTitle, columnLabels, reversed: false));
        plot.Axes.Add(Categories(AxisPosition.Left, rowTitle, rowLabels, reversed: true));
        plot.Axes.Add(new LinearColorAxis { Position = AxisPosition.Right, Palette = palette });
        plot.Series.Add(new HeatMapSeries
        {
            X0 = 0,
            X1 = columns - 1,
            Y0 = 0,
            Y1 = rows - 1,
            Data = data,
            Interpolate = false,
            RenderMethod = HeatMapRenderMethod.Rectangles,
            CoordinateDefinition = HeatMapCoordinateDefinition.Center,
            LabelFormatString = format,
            LabelFontSize = format.Length > 0 ? 0.25 : 0,
            TextColor = OxyColors.Black,
        });
        return plot;
    }

    private static CategoryAxis Categories(AxisPosition position, string title, IReadOnlyList<string> labels, bool reversed)
    {
        var axis = new CategoryAxis { Position = position, Title = title, GapWidth = 0, StartPosition = reversed ? 1 : 0, EndPosition = reversed ? 0 : 1 };
        axis.Labels.AddRange(labels);
        return axis;
    }
}
