using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Models;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Predict;

/// <summary>
/// <c>cnnml predict</c>: classifies image files with a model zip loaded by plain ML.NET. Each image is read once,
/// checked whole, turned into the model's input exactly as the training features were made (<see cref="ImageScorer"/>),
/// and all images are scored in one batch <c>Transform</c>; with <c>--json FILE.jsonl</c> a folder of any size is
/// streamed instead (<see cref="StreamingPredictions"/>).
/// </summary>
public sealed class PredictCommand : Command<PredictSettings>
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public override int Execute(CommandContext context, PredictSettings settings, CancellationToken cancellation)
    {
        OutputFiles.EnsureWritable("--json", settings.Json);
        var modelPath = OutputFiles.RequireFile("--model", settings.Model);

        var ml = new MLContext();
        using var model = SavedModel.Load(ml, modelPath);
        var scorer = new ImageScorer(ml, model);
        if (settings.Json is { } lines && StreamingPredictions.IsJsonLines(lines))
            return StreamingPredictions.Run(scorer, settings, lines, cancellation);

        var paths = settings.ImageFilePaths();
        var images = paths.Select(p => CheckedImage.Read(p, p)).ToList();
        cancellation.ThrowIfCancellationRequested();
        var predictions = scorer.Score(images);

        // A file argument is listed as it was typed; a folder's files by their full paths.
        var shown = settings.Images.All(i => !Directory.Exists(i)) ? settings.Images : (IReadOnlyList<string>)paths;
        var results = shown.Zip(predictions, (path, p) => new ImagePrediction(
            path, p.Label, p.Ranked.Take(settings.Top).Select(c => new LabelScore(c.Label, c.Score)).ToList())).ToList();
        var table = new Table().AddColumns("image", "label", $"top {settings.Top}");
        foreach (var result in results)
        {
            var top = string.Join(", ", result.Top.Select(t => $"{t.Label} {t.Score.ToString("P1", CultureInfo.InvariantCulture)}"));
            table.AddRow(Markup.Escape(result.Path), $"[bold]{Markup.Escape(result.Label)}[/]", Markup.Escape(top));
        }
        AnsiConsole.Write(table);

        if (settings.Json is { } path)
        {
            var written = OutputFiles.WriteAtomically(path, JsonSerializer.Serialize(results, Indented));
            AnsiConsole.MarkupLineInterpolated($"Predictions written to {written}");
        }
        return 0;
    }

    /// <summary>One image's result, as written to <c>--json</c>.</summary>
    public sealed record ImagePrediction(
        [property: JsonPropertyName("path")] string Path,
        [property: JsonPropertyName("label")] string Label,
        [property: JsonPropertyName("top")] IReadOnlyList<LabelScore> Top);

    /// <summary>A class and its probability.</summary>
    public sealed record LabelScore(
        [property: JsonPropertyName("label")] string Label,
        [property: JsonPropertyName("score")] float Score);
}
