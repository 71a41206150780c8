using System.Globalization;
using System.Text;

namespace CnnMl.Inspection;

/// <summary>Renders a <see cref="ModelSummary"/> as a torchinfo-style text table.</summary>
internal static class SummaryTable
{
    private const int IndentPerDepth = 2;
    private const int ColumnGap = 3;
    private const double BytesPerMegabyte = 1024.0 * 1024.0;
    private static readonly string[] Headers = { "Layer (type)", "Output shape", "Param #", "Mult-adds" };

    public static string Render(ModelSummary summary)
    {
        var cells = summary.Layers.Select(l => new[]
        {
            new string(' ', IndentPerDepth * l.Depth) + (l.Name.Length == 0 ? summary.Architecture : l.Name) + $" ({l.Type})",
            l.WasCalled ? SummaryFormat.Shape(l.OutputShape) : "(not called)",
            l.IsRepeatedCall ? "(recursive)" : l.Parameters == 0 ? SummaryFormat.None : SummaryFormat.Thousands(l.Parameters),
            l.Macs == 0 ? SummaryFormat.None : SummaryFormat.Thousands(l.Macs),
        }).ToList();

        var widths = Enumerable.Range(0, Headers.Length)
            .Select(c => cells.Select(r => r[c].Length).Prepend(Headers[c].Length).Max())
            .ToArray();
        var ruleWidth = widths.Sum() + ColumnGap * (widths.Length - 1);
        var heavy = new string('=', ruleWidth);
        var light = new string('-', ruleWidth);

        var text = new StringBuilder();
        text.AppendLine(heavy);
        text.AppendLine(Line(Headers, widths));
        text.AppendLine(heavy);
        foreach (var row in cells) text.AppendLine(Line(row, widths));
        text.AppendLine(heavy);
        text.AppendLine($"Total params: {SummaryFormat.Thousands(summary.TotalParameters)}");
        text.AppendLine($"Trainable params: {SummaryFormat.Thousands(summary.TrainableParameters)}");
        text.AppendLine($"Non-trainable params: {SummaryFormat.Thousands(summary.NonTrainableParameters)}");
        text.AppendLine($"Buffer values: {SummaryFormat.Thousands(summary.BufferElements)}");
        text.AppendLine($"Total mult-adds: {SummaryFormat.Thousands(summary.Macs)} ({SummaryFormat.Scaled(summary.Macs)})");
        text.AppendLine(light);
        text.AppendLine($"Input: {summary.Input} (batch of 1)   Output: {SummaryFormat.Shape(summary.OutputShape)}");
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Params size: {summary.ParameterBytes / BytesPerMegabyte:0.00} MB ({SummaryFormat.Thousands(summary.ParameterBytes)} bytes)"));
        text.Append(heavy);
        return text.ToString();
    }

    // First column left-aligned, the others right-aligned so digits line up.
    private static string Line(IReadOnlyList<string> cells, int[] widths)
    {
        var line = new StringBuilder(cells[0].PadRight(widths[0]));
        for (var c = 1; c < cells.Count; c++)
        {
            line.Append(' ', ColumnGap);
            line.Append(cells[c].PadLeft(widths[c]));
        }
        return line.ToString().TrimEnd();
    }
}
