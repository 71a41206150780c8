using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace CnnMl.Demo.Commands.Bench;

/// <summary>One line of a benchmark: a measured quantity, and for a comparison the reference it is set against.</summary>
/// <param name="Section">Which part of the benchmark (training, scoring, …).</param>
/// <param name="Name">What was measured (network, batch size, …).</param>
/// <param name="Label">The side: "estimator", "raw loop", "p50", ….</param>
/// <param name="Value">The repeated values.</param>
/// <param name="Reference">For a comparison, the reference side's label; else null.</param>
/// <param name="Ratio">Median of <paramref name="Value"/> / median of the reference; null when not a comparison.</param>
/// <param name="Note">Anything else worth a line (the oneDNN decision, the data size).</param>
internal sealed record BenchLine(string Section, string Name, string Label, Measurement Value, string? Reference = null, double? Ratio = null, string? Note = null);

/// <summary>Everything one <c>cnnml bench</c> run measured, with the machine it ran on; printed as a table and written as JSON.</summary>
internal sealed class BenchReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Threads, device, cores, processor, libraries, options — as name/value pairs in the order added.</summary>
    public List<KeyValuePair<string, string>> Machine { get; } = [];

    /// <summary>The measurements in the order taken.</summary>
    public List<BenchLine> Lines { get; } = [];

    /// <summary>Adds the two sides of an interleaved comparison; the ratio is <paramref name="measured"/>'s median over <paramref name="reference"/>'s.</summary>
    public void Compare(string section, string name, string measuredLabel, Measurement measured, string referenceLabel, Measurement reference, string? note = null)
    {
        Lines.Add(new BenchLine(section, name, referenceLabel, reference));
        Lines.Add(new BenchLine(section, name, measuredLabel, measured, referenceLabel, measured.Median / reference.Median, note));
    }

    /// <summary>Adds a single measured quantity.</summary>
    public void Add(string section, string name, string label, Measurement value, string? note = null) =>
        Lines.Add(new BenchLine(section, name, label, value, Note: note));

    /// <summary>Prints the machine block and one table of every line.</summary>
    public void Print()
    {
        var machine = new Table().Border(TableBorder.Simple).AddColumn("machine").AddColumn("");
        foreach (var (key, value) in Machine) machine.AddRow(Markup.Escape(key), Markup.Escape(value));
        AnsiConsole.Write(machine);

        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("section").AddColumn("what").AddColumn("side")
            .AddColumn(new TableColumn("median").RightAligned()).AddColumn(new TableColumn("min – max").RightAligned())
            .AddColumn("unit").AddColumn(new TableColumn("n").RightAligned()).AddColumn(new TableColumn("ratio of medians").RightAligned());
        foreach (var line in Lines)
        {
            table.AddRow(Markup.Escape(line.Section), Markup.Escape(line.Name), Markup.Escape(line.Label),
                Format(line.Value.Median), $"{Format(line.Value.Min)} – {Format(line.Value.Max)}", Markup.Escape(line.Value.Unit),
                line.Value.Values.Count.ToString(CultureInfo.InvariantCulture),
                line.Ratio is { } ratio ? Markup.Escape($"{ratio:0.000} × {line.Reference}") : "");
        }
        AnsiConsole.Write(table);
        foreach (var note in Lines.Where(l => l.Note is not null).Select(l => $"{l.Section} {l.Name}: {l.Note}").Distinct())
            AnsiConsole.MarkupLineInterpolated($"[grey]{note}[/]");
    }

    /// <summary>The report as JSON: machine, then every line with its values, median, min, max and ratio.</summary>
    public string ToJson() => JsonSerializer.Serialize(new
    {
        machine = Machine.ToDictionary(p => p.Key, p => p.Value),
        lines = Lines.Select(l => new
        {
            section = l.Section, name = l.Name, side = l.Label, unit = l.Value.Unit,
            median = l.Value.Median, min = l.Value.Min, max = l.Value.Max, values = l.Value.Values,
            reference = l.Reference, ratioOfMedians = l.Ratio, note = l.Note,
        }),
    }, Json);

    private static string Format(double value) => double.IsNaN(value) ? "–"
        : Math.Abs(value) >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 1 ? value.ToString("0.00", CultureInfo.InvariantCulture)
        : value.ToString("0.000", CultureInfo.InvariantCulture);
}
