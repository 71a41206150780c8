using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace CnnMl.Demo.Plots;

/// <summary>
/// Training curves from the reports a <c>Fit</c> emitted (<see cref="TrainingSummary.Reports"/>): loss, and train and
/// validation accuracy, against training progress in epochs. Lines join the reports every N batches; markers show
/// the end of each epoch.
/// </summary>
internal static class TrainingCurvesPlot
{
    /// <summary>The loss picture's file name.</summary>
    public const string LossFileName = "training-loss.png";

    /// <summary>The accuracy picture's file name.</summary>
    public const string AccuracyFileName = "training-accuracy.png";

    /// <summary>Both pictures' size in pixels.</summary>
    public const int Width = 800, Height = 450;

    /// <summary>Writes the loss and accuracy pictures into <paramref name="folder"/>.</summary>
    public static void Write(PlotFolder folder, TrainingSummary summary, string title)
    {
        folder.Save(Loss(summary, title), LossFileName, Width, Height);
        folder.Save(Accuracy(summary, title), AccuracyFileName, Width, Height);
    }

    /// <summary>Loss of the last batch at each report interval, and at each epoch's end.</summary>
    public static PlotModel Loss(TrainingSummary summary, string title)
    {
        var plot = Chart($"Training loss · {title}", "loss");
        plot.Series.Add(Line("loss, every report interval", OxyColors.SteelBlue, Intervals(summary), r => r.Loss));
        plot.Series.Add(Markers("loss, epoch end", OxyColors.DarkBlue, EpochEnds(summary), r => r.Loss));
        return plot;
    }

    /// <summary>Running training accuracy and validation accuracy (percent) at each report interval and epoch end.</summary>
    public static PlotModel Accuracy(TrainingSummary summary, string title)
    {
        var plot = Chart($"Accuracy · {title}", "accuracy (%)");
        plot.Series.Add(Line("train, every report interval", OxyColors.SteelBlue, Intervals(summary), r => 100 * r.TrainAccuracy));
        plot.Series.Add(Markers("train, epoch end", OxyColors.DarkBlue, EpochEnds(summary), r => 100 * r.TrainAccuracy));
        var validated = summary.Reports.Where(r => r.ValidationAccuracy is not null && r.Kind is TrainingReportKind.Batch or TrainingReportKind.EpochEnd).ToList();
        plot.Series.Add(Line("validation", OxyColors.OrangeRed, validated, r => 100 * r.ValidationAccuracy!.Value, MarkerType.Diamond));
        return plot;
    }

    /// <summary>Training progress in epochs: 1.5 is half-way through the second epoch.</summary>
    public static double Progress(TrainingReport report) =>
        report.Epoch - 1 + (report.BatchesPerEpoch == 0 ? 1 : (double)report.Batch / report.BatchesPerEpoch);

    private static List<TrainingReport> Intervals(TrainingSummary summary) =>
        summary.Reports.Where(r => r.Kind is TrainingReportKind.Batch or TrainingReportKind.EpochEnd && double.IsFinite(r.Loss)).ToList();

    private static List<TrainingReport> EpochEnds(TrainingSummary summary) =>
        summary.Reports.Where(r => r.Kind == TrainingReportKind.EpochEnd && double.IsFinite(r.Loss)).ToList();

    private static PlotModel Chart(string title, string yTitle)
    {
        var plot = new PlotModel { Title = title, TitleFontSize = 15 };
        plot.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "epoch", Minimum = 0, MajorGridlineStyle = LineStyle.Dot });
        plot.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yTitle, MajorGridlineStyle = LineStyle.Dot });
        plot.Legends.Add(new Legend { LegendPosition = LegendPosition.RightMiddle, LegendPlacement = LegendPlacement.Inside, LegendBackground = OxyColor.FromAColor(200, OxyColors.White) });
        return plot;
    }

    private static LineSeries Line(string title, OxyColor color, IEnumerable<TrainingReport> reports, Func<TrainingReport, double> value, MarkerType marker = MarkerType.None)
    {
        var series = new LineSeries { Title = title, Color = color, StrokeThickness = 1.5, MarkerType = marker, MarkerSize = 4, MarkerFill = color };
        series.Points.AddRange(reports.Select(r => new DataPoint(Progress(r), value(r))));
        return series;
    }

    private static LineSeries Markers(string title, OxyColor color, IEnumerable<TrainingReport> reports, Func<TrainingReport, double> value)
    {
        var series = Line(title, color, reports, value, MarkerType.Circle);
        series.LineStyle = LineStyle.None;
        series.MarkerSize = 5;
        return series;
    }
}
