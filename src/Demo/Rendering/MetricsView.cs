using System.Globalization;
using Microsoft.ML.Data;
using Spectre.Console;

namespace CnnMl.Demo.Rendering;

/// <summary>ML.NET's multiclass metrics and confusion matrix as console tables.</summary>
internal static class MetricsView
{
    public static Table Summary(MulticlassClassificationMetrics metrics, long testImages)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]ML.NET evaluation[/]");
        table.AddColumn("Metric").AddColumn(new TableColumn("Value").RightAligned());
        table.AddRow("Test images", testImages.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("Micro-accuracy", metrics.MicroAccuracy.ToString("P2", CultureInfo.InvariantCulture));
        table.AddRow("Macro-accuracy", metrics.MacroAccuracy.ToString("P2", CultureInfo.InvariantCulture));
        table.AddRow("Log-loss", metrics.LogLoss.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow("Log-loss reduction", metrics.LogLossReduction.ToString("F4", CultureInfo.InvariantCulture));
        return table;
    }

    /// <summary>Precision, recall and test-image count of each class, weak values in yellow (below 90 %) or red (below 50 %).</summary>
    public static Table PerClass(ConfusionMatrix matrix, IReadOnlyList<string> classNames)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Per class[/]");
        table.AddColumn("Class").AddColumn(new TableColumn("Precision").RightAligned())
            .AddColumn(new TableColumn("Recall").RightAligned()).AddColumn(new TableColumn("Test images").RightAligned());
        for (var c = 0; c < matrix.NumberOfClasses; c++)
        {
            var count = matrix.Counts[c].Sum();
            table.AddRow(Markup.Escape(classNames[c]), Rate(matrix.PerClassPrecision[c]), Rate(matrix.PerClassRecall[c]),
                count.ToString("N0", CultureInfo.InvariantCulture));
        }
        return table;
    }

    private static string Rate(double value)
    {
        var text = value.ToString("P1", CultureInfo.InvariantCulture);
        return value < 0.5 ? $"[red]{text}[/]" : value < 0.9 ? $"[yellow]{text}[/]" : $"[green]{text}[/]";
    }

    public static Table ConfusionMatrix(ConfusionMatrix matrix, IReadOnlyList<string> classNames)
    {
        var table = new Table().Border(TableBorder.Simple).Title("[bold]Confusion matrix[/] (rows: truth, columns: predicted)");
        table.AddColumn(new TableColumn("").RightAligned());
        foreach (var name in classNames) table.AddColumn(new TableColumn(Markup.Escape(name)).RightAligned());
        table.AddColumn(new TableColumn("recall").RightAligned());
        for (var truth = 0; truth < matrix.NumberOfClasses; truth++)
        {
            var cells = new List<string> { Markup.Escape(classNames[truth]) };
            for (var predicted = 0; predicted < matrix.NumberOfClasses; predicted++)
            {
                var count = matrix.Counts[truth][predicted];
                var text = count.ToString("N0", CultureInfo.InvariantCulture);
                cells.Add(truth == predicted ? $"[green]{text}[/]" : count > 0 ? $"[yellow]{text}[/]" : "[grey]0[/]");
            }
            cells.Add(matrix.PerClassRecall[truth].ToString("P1", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        return table;
    }
}
