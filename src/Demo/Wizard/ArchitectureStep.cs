using System.Collections.Concurrent;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Cli;
using CnnMl.Inspection;
using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// Step 3: the network, from the registry, each with its parameters and multiply-accumulates at the chosen input
/// (measured by <see cref="ModelSummary"/> on the network built for that input and 10 classes). Networks that cannot
/// take the input are listed with the reason and not offered. The earlier choice is the default when Escape comes back.
/// </summary>
internal static class ArchitectureStep
{
    // The networks' figures depend only on the input and the class count; the process runs one guided mode.
    private static readonly ConcurrentDictionary<(ImageShape? Input, int Classes), IReadOnlyList<Candidate>> Measured = new();

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
        // An image folder has no input of its own yet: each network is measured at its own input, the shape asked after.
        var at = input?.ToString() ?? "their own input";
        // Measured once per input and class count: Escape back to this step does not build every network again.
        if (!Measured.TryGetValue((input, answers.Classes), out var candidates))
        {
            candidates = console.Status().Start($"Building each network for {at} to count its parameters and MACs...",
                _ => Measure(input, answers.Classes, wizard.Cancellation));
            Measured[(input, answers.Classes)] = candidates;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Architectures at {at}, {answers.Classes} classes[/]");
        table.AddColumn("Name").AddColumn(new TableColumn("Parameters").RightAligned()).AddColumn(new TableColumn("MACs").RightAligned()).AddColumn("About");
        if (input is null) table.AddColumn("Input");
        foreach (var c in candidates)
        {
            var name = Markup.Escape(c.Architecture.Name);
            string[] own = input is null ? [c.Architecture.DefaultInput.ToString()] : [];
            if (c.Fits)
                table.AddRow([$"[bold]{name}[/]", SummaryFormat.Scaled(c.Parameters!.Value), SummaryFormat.Scaled(c.Macs!.Value), Markup.Escape(Shorten(c.Architecture.Description)), .. own]);
            else
                table.AddRow([$"[grey]{name}[/]", "[grey]--[/]", "[grey]--[/]", $"[grey]{Markup.Escape(c.Unfit!)}[/]", .. own]);
        }
        console.Write(table);

        var fitting = candidates.Where(c => c.Fits).ToList();
        if (fitting.Count == 0)
            throw new InvalidOperationException($"No registered architecture takes {at} images; this cannot happen with the built-in registry.");
        var width = fitting.Max(c => c.Architecture.Name.Length);
        var chosen = wizard.Ask(new SelectionPrompt<Candidate>()
            .Title("Which network?")
            .PageSize(Math.Max(3, fitting.Count))
            .AddChoices(fitting)
            .DefaultValue(fitting.Find(c => c.Architecture.Name == answers.Architecture) ?? fitting[0])
            .UseConverter(c => Markup.Escape($"{c.Architecture.Name.PadRight(width)}  {SummaryFormat.Scaled(c.Parameters!.Value),9} parameters  {SummaryFormat.Scaled(c.Macs!.Value),9} MACs")));
        var measuredAt = input ?? chosen.Architecture.DefaultInput;
        console.MarkupLineInterpolated($"Architecture: [bold]{chosen.Architecture.Name}[/], {SummaryFormat.Thousands(chosen.Parameters!.Value)} parameters, {SummaryFormat.Thousands(chosen.Macs!.Value)} MACs per {measuredAt} example.");
        // The input asked before is the default only for the same network: another one starts from its own.
        var earlierInput = chosen.Architecture.Name == answers.Architecture ? answers.Input : null;
        wizard.Progress = answers = answers with { Architecture = chosen.Architecture.Name };
        return answers.Images is null ? answers : answers with { Input = AskInput(wizard, answers, chosen.Architecture, earlierInput) };
    }

    /// <summary>
    /// The input an image folder's images are resized to (<c>--input</c>), the network's own by default; checked by
    /// <c>cnnml train</c>'s own option check (<see cref="ImageDataSettings.Check"/>), so what is accepted here trains there.
    /// </summary>
    private static string AskInput(WizardConsole wizard, WizardAnswers answers, CnnArchitecture architecture, string? earlierInput)
    {
        wizard.Console.MarkupLine("[grey]Each image is resized to the network's input: 1xHxW grayscale or 3xHxW RGB.[/]");
        return wizard.Ask(new TextPrompt<string>($"Input shape for {Markup.Escape(architecture.Name)}? (CxHxW)")
            .DefaultValue(earlierInput ?? architecture.DefaultInput.ToString())
            .Validate(shape => ImageDataSettings.Check((answers with { Input = shape }).ToSettings(), architecture) is { } problem
                ? ValidationResult.Error($"[red]{Markup.Escape(problem)}[/]")
                : ValidationResult.Success()));
    }

    /// <summary>
    /// Every registry entry of the input's rank, measured at <paramref name="input"/> (those that fit first, in registry
    /// order); a null input: every 2D network at its own input (an image folder, resized to the network's choice).
    /// </summary>
    public static IReadOnlyList<Candidate> Measure(ImageShape? input, int classes, CancellationToken cancellation)
    {
        var candidates = new List<Candidate>();
        foreach (var architecture in CnnArchitectures.All.Where(a => a.DefaultInput.SpatialRank == (input?.SpatialRank ?? 2)))
        {
            cancellation.ThrowIfCancellationRequested();
            var at = input ?? architecture.DefaultInput;
            try
            {
                var summary = ModelSummary.Of(architecture.Name, at, classes);
                candidates.Add(new Candidate(architecture, summary.TotalParameters, summary.Macs, null));
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                // The network's own shape check: say what it needs instead of offering it.
                candidates.Add(new Candidate(architecture, null, null, $"does not take {at} (designed for {architecture.DefaultInput})"));
            }
        }
        return candidates.OrderBy(c => c.Fits ? 0 : 1).ToList();
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
