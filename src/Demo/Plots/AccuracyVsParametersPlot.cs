using CnnMl.Demo.Commands;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace CnnMl.Demo.Plots;

/// <summary><c>cnnml compare</c>'s leaderboard as a scatter: test accuracy against parameters (log scale), each point named.</summary>
internal static class AccuracyVsParametersPlot
{
    /// <summary>The picture's file name.</summary>
    public const string FileName = "accuracy-vs-parameters.png";

    /// <summary>The picture's size in pixels.</summary>
    public const int Width = 800, Height = 500;

    /// <summary>Writes the scatter into <paramref name="folder"/>.</summary>
    public static string Write(PlotFolder folder, Leaderboard board) => folder.Save(Create(board), FileName, Width, Height);

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
            Position = AxisPosition.Bottom, Title = "parameters (log scale)", Minimum = fewest / 2.0, Maximum = most * 6.0, // room for the name right of the point
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
        var points = new ScatterSeries { MarkerType = MarkerType.Circle, MarkerSize = 6, MarkerFill = OxyColors.SteelBlue };
        var yRange = plot.Axes[1].Maximum - plot.Axes[1].Minimum;
        var placed = new List<LeaderboardEntry>();
        foreach (var entry in board.Entries.OrderBy(e => e.Parameters))
        {
            points.Points.Add(new ScatterPoint(entry.Parameters, 100 * entry.MicroAccuracy));
            // Names of points close together (within half a decade and 8% of the accuracy range) go one line lower each.
            var crowded = placed.Count(p => Math.Abs(Math.Log10(p.Parameters) - Math.Log10(entry.Parameters)) < 0.5
                                            && Math.Abs(p.MicroAccuracy - entry.MicroAccuracy) * 100 < 0.08 * yRange);
            placed.Add(entry);
            plot.Annotations.Add(new TextAnnotation
            {
                Text = $"{entry.Rank}. {entry.Architecture}",
                TextPosition = new DataPoint(entry.Parameters, 100 * entry.MicroAccuracy),
                TextHorizontalAlignment = HorizontalAlignment.Left,
                TextVerticalAlignment = VerticalAlignment.Middle,
                Offset = new ScreenVector(8, 16 * crowded),
                Stroke = OxyColors.Transparent,
                Background = OxyColors.Transparent,
                FontSize = 12,
            });
        }
        plot.Series.Add(points);
        return plot;
    }
}
