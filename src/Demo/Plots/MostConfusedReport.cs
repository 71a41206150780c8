using System.Text.Json;
using CnnMl.Interpretation;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CnnMl.Demo.Plots;

/// <summary>
/// fastai's <c>most_confused</c> as a ranked table: every pair of different classes (true, predicted) the model
/// confused at least once, most often first, written to <c>most-confused.json</c> beside the pictures and shown on the
/// console (the first <see cref="ShownOnConsole"/>).
/// </summary>
internal static class MostConfusedReport
{
    /// <summary>The file's name.</summary>
    public const string FileName = "most-confused.json";

    /// <summary>Pairs shown on the console.</summary>
    public const int ShownOnConsole = 10;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Writes the file into <paramref name="folder"/> and the table to the console; returns the document written.</summary>
    public static MostConfusedDocument Write(PlotFolder folder, ClassificationInterpretation interpretation, string title)
    {
        var pairs = interpretation.MostConfused();
        var document = new MostConfusedDocument(title, interpretation.ExampleCount, pairs.Sum(p => p.Count),
            pairs.Select((p, i) => new MostConfusedPair(i + 1, p.ActualLabel, p.PredictedLabel, p.Count, ActualCount(interpretation, p.ActualClass))).ToList());
        folder.SaveText(JsonSerializer.Serialize(document, Json) + "\n", FileName);
        AnsiConsole.Write(Table(document));
        return document;
    }

    /// <summary>The console table: rank, true class, predicted class, count and its share of the true class's examples.</summary>
    public static IRenderable Table(MostConfusedDocument document)
    {
        if (document.Pairs.Count == 0) return new Markup($"[green]No confusion[/]: every one of the {document.Examples:N0} test images is classified right.\n");
        var table = new Table().Title($"Most confused: {document.Errors:N0} errors in {document.Examples:N0} test images").AddColumns("#", "true", "predicted as", "count", "of the true class");
        foreach (var column in new[] { 0, 3, 4 }) table.Columns[column].RightAligned();
        foreach (var pair in document.Pairs.Take(ShownOnConsole))
            table.AddRow($"{pair.Rank}", Markup.Escape(pair.Actual), Markup.Escape(pair.Predicted), $"{pair.Count:N0}", $"{pair.ShareOfActual:P1}");
        if (document.Pairs.Count > ShownOnConsole)
            table.Caption($"{document.Pairs.Count - ShownOnConsole} more pair(s) in {FileName}");
        return table;
    }

    private static long ActualCount(ClassificationInterpretation interpretation, int actual) =>
        Enumerable.Range(0, interpretation.ClassNames.Count).Sum(p => interpretation.ConfusionCount(actual, p));
}

/// <summary><c>most-confused.json</c>: the model and data (<see cref="Title"/>), the test images, the errors, and the pairs ranked.</summary>
internal sealed record MostConfusedDocument(string Title, long Examples, long Errors, IReadOnlyList<MostConfusedPair> Pairs);

/// <summary>One ranked pair: <see cref="Count"/> test images of class <see cref="Actual"/> predicted as <see cref="Predicted"/>.</summary>
internal sealed record MostConfusedPair(int Rank, string Actual, string Predicted, long Count, long ActualExamples)
{
    /// <summary>The share of the true class's test images taken for <see cref="Predicted"/>.</summary>
    public double ShareOfActual => ActualExamples == 0 ? 0 : (double)Count / ActualExamples;
}
