using System.Globalization;
using CnnMl.Demo.Plots;
using CnnMl.Training;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace CnnMl.Demo.Commands.LrFind;

/// <summary>
/// <c>cnnml lr-find</c>'s picture: the range test's loss against the learning rate (log scale), raw and smoothed, with
/// the suggested rate marked by a vertical line and a point on the smoothed curve.
/// </summary>
internal static class LearningRateFinderPlot
{
    /// <summary>The picture's file name.</summary>
    public const string FileName = "lr-find.png";

    /// <summary>The picture's size in pixels.</summary>
    public const int Width = 900, Height = 550;

    /// <summary>Writes the picture into <paramref name="folder"/>; <paramref name="data"/> names the data in the title.</summary>
    public static string Write(PlotFolder folder, LearningRateFinderResult result, string data) =>
        folder.Save(Create(result, data), FileName, Width, Height);

    /// <summary>The plot of <paramref name="result"/>.</summary>
    public static PlotModel Create(LearningRateFinderResult result, string data)
    {
        var plot = new PlotModel
        {
            Title = $"Learning-rate range test · {result.Architecture}, batch {result.BatchSize}, {data}",
            Subtitle = string.Create(CultureInfo.InvariantCulture,
                $"{result.Curve.Count} steps{(result.StoppedOnDivergence ? ", stopped when the loss diverged" : "")}; suggested rate {result.SuggestedLearningRate:G3}"),
            TitleFontSize = 14,
            SubtitleFontSize = 12,
        };
        var curve = result.Curve;
        plot.Axes.Add(new LogarithmicAxis
        {
            Position = AxisPosition.Bottom, Title = "learning rate (log scale)", MajorGridlineStyle = LineStyle.Dot,
            Minimum = curve[0].LearningRate, Maximum = curve[^1].LearningRate,
            StringFormat = "0.#E+0",
        });
        // The raw losses of the last steps shoot up; the axis follows the smoothed loss, with room above it.
        var smoothedHigh = curve.Max(p => p.SmoothedLoss);
        var low = Math.Min(curve.Min(p => p.SmoothedLoss), curve.Min(p => p.Loss));
        plot.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Left, Title = "training loss (cross-entropy)", MajorGridlineStyle = LineStyle.Dot,
            Minimum = Math.Max(0, low - 0.05 * (smoothedHigh - low)), Maximum = smoothedHigh + 0.15 * (smoothedHigh - low),
        });
        plot.Legends.Add(new Legend { LegendPlacement = LegendPlacement.Outside, LegendPosition = LegendPosition.BottomCenter, LegendOrientation = LegendOrientation.Horizontal });

        var raw = new LineSeries { Title = "loss per step", Color = OxyColor.FromAColor(110, OxyColors.Gray), StrokeThickness = 1 };
        raw.Points.AddRange(curve.Select(p => new DataPoint(p.LearningRate, p.Loss)));
        var smoothed = new LineSeries { Title = "smoothed loss", Color = OxyColor.FromRgb(31, 119, 180), StrokeThickness = 2.5 };
        smoothed.Points.AddRange(curve.Select(p => new DataPoint(p.LearningRate, p.SmoothedLoss)));
        plot.Series.Add(raw);
        plot.Series.Add(smoothed);

        var suggested = result.SuggestedLearningRate;
        var at = curve.MinBy(p => Math.Abs(Math.Log(p.LearningRate) - Math.Log(suggested)))!;
        var mark = new ScatterSeries
        {
            Title = string.Create(CultureInfo.InvariantCulture, $"suggested {suggested:G3}"),
            MarkerType = MarkerType.Circle, MarkerSize = 7, MarkerFill = OxyColor.FromRgb(214, 39, 40),
        };
        mark.Points.Add(new ScatterPoint(at.LearningRate, at.SmoothedLoss));
        plot.Series.Add(mark);
        plot.Annotations.Add(new LineAnnotation
        {
            Type = LineAnnotationType.Vertical, X = suggested, Color = OxyColor.FromRgb(214, 39, 40), LineStyle = LineStyle.Dash,
            Text = string.Create(CultureInfo.InvariantCulture, $"suggested {suggested:G3}"), TextColor = OxyColor.FromRgb(214, 39, 40),
            TextOrientation = AnnotationTextOrientation.Horizontal, TextHorizontalAlignment = HorizontalAlignment.Left,
            TextVerticalAlignment = VerticalAlignment.Top,
        });
        return plot;
    }
}
