using CnnMl.Architectures;
using CnnMl.Inspection;
using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// Step 3: the network, from the registry, each with its parameters and multiply-accumulates at the chosen input
/// (measured by <see cref="ModelSummary"/> on the network built for that input and 10 classes). Networks that cannot
/// take the input are listed with the reason and not offered.
/// </summary>
internal static class ArchitectureStep
{
    /// <summary>One registry entry measured at the chosen input: its figures, or why it does not fit.</summary>
    public sealed record Candidate(CnnArchitecture Architecture, long? Parameters, long? Macs, string? Unfit)
    {
        /// <summary>True when the network takes the input.</summary>
        public bool Fits => Unfit is null;
    }

    public static WizardAnswers Ask(WizardConsole wizard, WizardAnswers answers)
    {
        wizard.Step(3, "Architecture");
        var console = wizard.Console;
        var input = answers.InputShape;
        var candidates = console.Status().Start($"Building each network for {input} to count its parameters and MACs...",
            _ => Measure(input, KnownInputs.MnistClasses, wizard.Cancellation));

        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Architectures at {input}, 10 classes[/]");
        table.AddColumn("Name").AddColumn(new TableColumn("Parameters").RightAligned()).AddColumn(new TableColumn("MACs").RightAligned()).AddColumn("About");
        foreach (var c in candidates)
        {
            var name = Markup.Escape(c.Architecture.Name);
            if (c.Fits)
                table.AddRow($"[bold]{name}[/]", SummaryFormat.Scaled(c.Parameters!.Value), SummaryFormat.Scaled(c.Macs!.Value), Markup.Escape(Shorten(c.Architecture.Description)));
            else
                table.AddRow($"[grey]{name}[/]", "[grey]--[/]", "[grey]--[/]", $"[grey]{Markup.Escape(c.Unfit!)}[/]");
        }
        console.Write(table);

        var fitting = candidates.Where(c => c.Fits).ToList();
        if (fitting.Count == 0)
            throw new InvalidOperationException($"No registered architecture takes {input} images; this cannot happen with the built-in registry.");
        var width = fitting.Max(c => c.Architecture.Name.Length);
        var chosen = wizard.Ask(new SelectionPrompt<Candidate>()
            .Title("Which network?")
            .PageSize(Math.Max(3, fitting.Count))
            .AddChoices(fitting)
            .UseConverter(c => Markup.Escape($"{c.Architecture.Name.PadRight(width)}  {SummaryFormat.Scaled(c.Parameters!.Value),9} parameters  {SummaryFormat.Scaled(c.Macs!.Value),9} MACs")));
        console.MarkupLineInterpolated($"Architecture: [bold]{chosen.Architecture.Name}[/], {SummaryFormat.Thousands(chosen.Parameters!.Value)} parameters, {SummaryFormat.Thousands(chosen.Macs!.Value)} MACs per {input} example.");
        return answers with { Architecture = chosen.Architecture.Name };
    }

    /// <summary>Every registry entry of the input's rank, measured at <paramref name="input"/> (those that fit first, in registry order).</summary>
    public static IReadOnlyList<Candidate> Measure(ImageShape input, int classes, CancellationToken cancellation)
    {
        var candidates = new List<Candidate>();
        foreach (var architecture in CnnArchitectures.All.Where(a => a.DefaultInput.SpatialRank == input.SpatialRank))
        {
            cancellation.ThrowIfCancellationRequested();
            try
            {
                var summary = ModelSummary.Of(architecture.Name, input, classes);
                candidates.Add(new Candidate(architecture, summary.TotalParameters, summary.Macs, null));
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                // The network's own shape check: say what it needs instead of offering it.
                candidates.Add(new Candidate(architecture, null, null, $"does not take {input} (designed for {architecture.DefaultInput})"));
            }
        }
        return candidates.OrderBy(c => c.Fits ? 0 : 1).ToList();
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
