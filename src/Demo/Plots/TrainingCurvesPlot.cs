using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace CnnMl.Demo.Plots;

/// <summary>
/// Training curves from what a <c>Fit</c> measured (<see cref="TrainingSummary"/>), against training progress in
/// epochs: the loss of every batch with its smoothed curve and the validation loss of each epoch; the running
/// training accuracy and the validation accuracy of each epoch (and of every <c>--validate-every</c> check). The
/// legends sit below the plot area, never over the data.
/// </summary>
internal static class TrainingCurvesPlot
{
    /// <summary>The loss picture's file name.</summary>
    public const string LossFileName = "training-loss.png";

    /// <summary>The accuracy picture's file name.</summary>
    public const string AccuracyFileName = "training-accuracy.png";

    /// <summary>Both pictures' size in pixels.</summary>
    public const int Width = 800, Height = 450;

    /// <summary>The smoothing factor of the loss curve never exceeds this (fastai's <c>Recorder</c> uses 0.98).</summary>
    public const double MaxSmoothing = 0.98;

    /// <summary>Colors the curves are drawn in (tests look for them).</summary>
    public static readonly OxyColor BatchColor = OxyColor.FromRgb(173, 198, 224), SmoothedColor = OxyColors.SteelBlue,
        EpochColor = OxyColors.DarkBlue, ValidationColor = OxyColors.OrangeRed;

    /// <summary>Writes the loss and accuracy pictures into <paramref name="folder"/>.</summary>
    public static void Write(PlotFolder folder, TrainingSummary summary, string title)
    {
        folder.Save(Loss(summary, title), LossFileName, Width, Height);
        folder.Save(Accuracy(summary, title), AccuracyFileName, Width, Height);
    }

    /// <summary>
    /// The loss of every batch (light; marked up to 50 batches), its exponential moving average with bias correction
    /// (as fastai smooths it; not drawn for ten batches or fewer, where β is 0), and the validation loss at each epoch's
    /// end when a validation set was given.
    /// </summary>
    public static PlotModel Loss(TrainingSummary summary, string title)
    {
        var plot = Chart($"Training loss · {title}", "loss (cross-entropy)");
        var batches = BatchPoints(summary);
        var beta = Smoothing(batches.Count);
        if (beta > 0)
        {
            // Up to 50 batches, each is marked: a short run's few points stay visible.
            plot.Series.Add(Line($"loss of each of {batches.Count:N0} batches", BatchColor, batches, 1, batches.Count <= 50 ? MarkerType.Circle : MarkerType.None, 2.5));
            plot.Series.Add(Line(FormattableString.Invariant($"smoothed (moving average, β = {beta:0.00})"), SmoothedColor, Smoothed(batches, beta), 2.5));
        }
        else
        {
            // Ten batches or fewer: nothing to smooth; the batches themselves, marked.
            plot.Series.Add(Line($"loss of each of {batches.Count:N0} batches", SmoothedColor, batches, 2, MarkerType.Circle, 3));
        }
        var validated = EpochEnds(summary).Where(r => r.ValidationLoss is not null).ToList();
        if (validated.Count > 0)
            plot.Series.Add(Line("validation loss, epoch end", ValidationColor, validated.Select(r => new DataPoint(Progress(r), r.ValidationLoss!.Value)).ToList(), 2, MarkerType.Diamond));
        return plot;
    }

    /// <summary>Running training accuracy (percent) at each report, its value at each epoch's end, and validation accuracy.</summary>
    public static PlotModel Accuracy(TrainingSummary summary, string title)
    {
        var plot = Chart($"Accuracy · {title}", "accuracy (%)");
        plot.Series.Add(Line("train (running)", SmoothedColor, Intervals(summary).Select(r => new DataPoint(Progress(r), 100 * r.TrainAccuracy)).ToList(), 1.5));
        plot.Series.Add(Markers("train, epoch end", EpochColor, EpochEnds(summary).Select(r => new DataPoint(Progress(r), 100 * r.TrainAccuracy)).ToList()));
        var validated = summary.Reports.Where(r => r.ValidationAccuracy is not null && r.Kind is TrainingReportKind.Batch or TrainingReportKind.EpochEnd).ToList();
        var perEpoch = validated.Where(r => r.Kind == TrainingReportKind.EpochEnd).Select(r => new DataPoint(Progress(r), 100 * r.ValidationAccuracy!.Value)).ToList();
        // --validate-every: a thin line through every check; the epoch ends' values stand out as diamonds.
        if (validated.Count > perEpoch.Count)
            plot.Series.Add(Line("validation, every check", ValidationColor, validated.Select(r => new DataPoint(Progress(r), 100 * r.ValidationAccuracy!.Value)).ToList(), 1));
        if (perEpoch.Count > 0)
        {
            var epochs = Line("validation, epoch end", ValidationColor, perEpoch, 2, MarkerType.Diamond);
            if (validated.Count > perEpoch.Count) epochs.LineStyle = LineStyle.None;
            plot.Series.Add(epochs);
        }
        return plot;
    }

    /// <summary>Training progress in epochs: 1.5 is half-way through the second epoch.</summary>
    public static double Progress(TrainingReport report) =>
        report.Epoch - 1 + (report.BatchesPerEpoch == 0 ? 1 : (double)report.Batch / report.BatchesPerEpoch);

    /// <summary>
    /// The smoothing factor β for <paramref name="batches"/> batches: 1 − 10 / batches, at most <see cref="MaxSmoothing"/>
    /// and at least 0, so that a short run's curve follows its few batches and a long one's is smooth.
    /// </summary>
    public static double Smoothing(int batches) => batches == 0 ? 0 : Math.Clamp(1 - 10.0 / batches, 0, MaxSmoothing);

    /// <summary>
    /// The exponential moving average with bias correction, as fastai's <c>SmoothenValue</c>: m ← β·m + (1 − β)·x,
    /// shown as m / (1 − β^i) after the i-th value.
    /// </summary>
    public static List<DataPoint> Smoothed(IReadOnlyList<DataPoint> values, double beta)
    {
        var smoothed = new List<DataPoint>(values.Count);
        double mean = 0, power = 1;
        foreach (var point in values)
        {
            mean = beta * mean + (1 - beta) * point.Y;
            power *= beta;
            smoothed.Add(new DataPoint(point.X, mean / (1 - power)));
        }
        return smoothed;
    }

    /// <summary>
    /// (progress, loss) of every training batch: from <see cref="TrainingSummary.BatchLosses"/>, the epochs counted
    /// from the first this <c>Fit</c> trained (after a resume, the later ones); from the reports when it holds none.
    /// </summary>
    public static List<DataPoint> BatchPoints(TrainingSummary summary)
    {
        var started = summary.Reports.FirstOrDefault(r => r.Kind == TrainingReportKind.Started);
        if (summary.BatchLosses.Count == 0 || started is not { BatchesPerEpoch: > 0 })
            return Intervals(summary).Select(r => new DataPoint(Progress(r), r.Loss)).ToList();
        var perEpoch = (double)started.BatchesPerEpoch;
        return summary.BatchLosses.Select((loss, i) => new DataPoint(started.Epoch - 1 + (i + 1) / perEpoch, loss)).Where(p => double.IsFinite(p.Y)).ToList();
    }

    private static List<TrainingReport> Intervals(TrainingSummary summary) =>
        summary.Reports.Where(r => r.Kind is TrainingReportKind.Batch or TrainingReportKind.EpochEnd && double.IsFinite(r.Loss)).ToList();

    private static List<TrainingReport> EpochEnds(TrainingSummary summary) =>
        summary.Reports.Where(r => r.Kind == TrainingReportKind.EpochEnd && double.IsFinite(r.Loss)).ToList();

    private static PlotModel Chart(string title, string yTitle)
    {
        var plot = new PlotModel { Title = title, TitleFontSize = 15, TitleFontWeight = FontWeights.Normal };
        // Padding at the ends, so that a marker on the last epoch or at the extreme value is drawn whole.
        plot.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "epoch", Minimum = 0, MaximumPadding = 0.03, MajorGridlineStyle = LineStyle.Dot });
        plot.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yTitle, MinimumPadding = 0.06, MaximumPadding = 0.06, MajorGridlineStyle = LineStyle.Dot });
        // Below the plot area, in one row: a legend inside it would cover a curve wherever it was put.
        plot.Legends.Add(new Legend
        {
            LegendPlacement = LegendPlacement.Outside, LegendPosition = LegendPosition.BottomCenter, LegendOrientation = LegendOrientation.Horizontal,
            LegendFontSize = 12,
        });
        return plot;
    }

    private static LineSeries Line(string title, OxyColor color, IReadOnlyList<DataPoint> points, double thickness, MarkerType marker = MarkerType.None, double markerSize = 5)
    {
        var series = new LineSeries { Title = title, Color = color, StrokeThickness = thickness, MarkerType = marker, MarkerSize = markerSize, MarkerFill = color };
        series.Points.AddRange(points);
        return series;
    }

    private static LineSeries Markers(string title, OxyColor color, IReadOnlyList<DataPoint> points)
    {
        var series = Line(title, color, points, 1.5, MarkerType.Circle);
        series.LineStyle = LineStyle.None;
        return series;
    }
}
