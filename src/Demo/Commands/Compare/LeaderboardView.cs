using System.Globalization;
using CnnMl.Inspection;
using Spectre.Console;

namespace CnnMl.Demo.Commands.Compare;

/// <summary><c>cnnml compare</c>'s ranked leaderboard as a console table.</summary>
internal static class LeaderboardView
{
    /// <summary>One row per architecture, best first, with its figures in the order the JSON gives them.</summary>
    public static Table Table(Leaderboard board)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]Leaderboard[/]: {board.Epochs} epoch(s) on {board.TrainImages:N0} images, tested on {board.TestImages:N0}, input {board.Input}");
        table.AddColumn(new TableColumn("Rank").RightAligned());
        table.AddColumn("Architecture");
        foreach (var heading in new[] { "Micro-acc", "Macro-acc", "Log-loss", "Parameters", "MACs", "Train s", "Images/s" })
            table.AddColumn(new TableColumn(heading).RightAligned());
        foreach (var e in board.Entries)
        {
            var name = Markup.Escape(e.Architecture);
            table.AddRow(
                e.Rank.ToString(CultureInfo.InvariantCulture),
                e.Rank == 1 ? $"[green]{name}[/]" : name,
                e.MicroAccuracy.ToString("P2", CultureInfo.InvariantCulture),
                e.MacroAccuracy.ToString("P2", CultureInfo.InvariantCulture),
                e.LogLoss.ToString("F4", CultureInfo.InvariantCulture),
                e.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                SummaryFormat.Scaled(e.Macs),
                e.TrainSeconds.ToString("F1", CultureInfo.InvariantCulture),
                e.ImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        }
        return table;
    }
}
