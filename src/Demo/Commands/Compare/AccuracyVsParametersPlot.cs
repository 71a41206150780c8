using CnnMl.Demo.Plots;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace CnnMl.Demo.Commands.Compare;

/// <summary><c>cnnml compare</c>'s leaderboard as a scatter: test accuracy against parameters (log scale), each point named.</summary>
internal static class AccuracyVsParametersPlot
{
    /// <summary>The picture's file name.</summary>
    public const string FileName = "accuracy-vs-parameters.png";

    /// <summary>The picture's size in pixels.</summary>
    public const int Width = 800, Height = 500;

    /// <summary>Writes the scatter into <paramref name="folder"/>.</summary>
    public static string Write(PlotFolder folder, Leaderboard board) => folder.Save(Create(board), FileName, Width, Height);

    // Distinct, saturated colors (Tableau 10's first eight), so that every point stands out from the gray grid.
    private static readonly OxyColor[] Palette =
    [
        OxyColor.FromRgb(31, 119, 180), OxyColor.FromRgb(255, 127, 14), OxyColor.FromRgb(44, 160, 44), OxyColor.FromRgb(214, 39, 40),
        OxyColor.FromRgb(148, 103, 189), OxyColor.FromRgb(140, 86, 75), OxyColor.FromRgb(227, 119, 194), OxyColor.FromRgb(188, 189, 34),
    ];

    /// <summary>"50 k", "1.2 M": parameter counts on the axis.</summary>
    private static string Count(double value) => value switch
    {
        >= 1e6 => FormattableString.Invariant($"{value / 1e6:0.#} M"),
        >= 1e3 => FormattableString.Invariant($"{value / 1e3:0.#} k"),
        _ => FormattableString.Invariant($"{value:0}"),
    };

    /// <summary>The scatter of <paramref name="board"/>'s entries.</summary>
    public static PlotModel Create(Leaderboard board)
    {
        var plot = new PlotModel
        {
            Title = $"Test accuracy against parameters · {board.Epochs} epoch(s) on {board.TrainImages:N0} images, input {board.Input}",
            TitleFontSize = 14,
        };
        var fewest = board.Entries.Min(e => e.Parameters);
        var most = board.Entries.Max(e => e.Parameters);
        plot.Axes.Add(new LogarithmicAxis
        {
            Position = AxisPosition.Bottom, Title = "parameters (log scale)", Minimum = fewest / 2.0, Maximum = most * 2.0,
            MajorGridlineStyle = LineStyle.Dot, IntervalLength = 90, LabelFormatter = Count,
        });
        var lowest = board.Entries.Min(e => e.MicroAccuracy) * 100;
        var highest = board.Entries.Max(e => e.MicroAccuracy) * 100;
        var margin = Math.Max(1, (highest - lowest) * 0.15);
        plot.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Left, Title = "test micro-accuracy (%)", Minimum = Math.Max(0, lowest - margin), Maximum = Math.Min(100, highest + margin),
            MajorGridlineStyle = LineStyle.Dot,
        });
        // One series per architecture, named in the legend in rank order: names written beside the points would
        // overlap where networks of similar size score alike.
        plot.Legends.Add(new Legend { LegendPlacement = LegendPlacement.Outside, LegendPosition = LegendPosition.RightTop, LegendFontSize = 12 });
        var markers = new[] { MarkerType.Circle, MarkerType.Square, MarkerType.Diamond, MarkerType.Triangle };
        foreach (var (entry, i) in board.Entries.Select((e, i) => (e, i)))
        {
            var point = new ScatterSeries
            {
                Title = $"{entry.Rank}. {entry.Architecture}",
                MarkerType = markers[i % markers.Length],
                MarkerSize = 7,
                MarkerFill = Palette[i % Palette.Length],
            };
            point.Points.Add(new ScatterPoint(entry.Parameters, 100 * entry.MicroAccuracy));
            plot.Series.Add(point);
        }
        return plot;
    }
}
