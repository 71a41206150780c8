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
/// <c>cnnml predict</c>: classifies image files with a model zip loaded by plain ML.NET. Each image is checked whole,
/// turned into the model's input exactly as the training features were made (<see cref="ImageScorer"/>), and all
/// images are scored in one batch <c>Transform</c>; with <c>--json FILE.jsonl</c> a folder of any size is streamed
/// instead (<see cref="StreamingPredictions"/>).
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
        var scorer = new ImageScorer(ml, model, settings.Invert);
        if (settings.Json is { } lines && StreamingPredictions.IsJsonLines(lines))
            return StreamingPredictions.Run(scorer, settings, lines, cancellation);

        var requested = settings.ImageFilePaths();
        // A file argument is listed as it was typed; a folder's files by their full paths.
        var typed = settings.Images.All(i => !Directory.Exists(i)) ? settings.Images : requested;
        // Every file is checked first: a damaged one is reported at the end, the others are still answered.
        var (readable, damaged) = PredictImageChecks.Check(requested);
        var shown = readable.Select(i => typed[i]).ToList();
        var images = readable.Select(i => new CheckedImage(requested[i], File.ReadAllBytes(requested[i]))).ToList();
        cancellation.ThrowIfCancellationRequested();
        var light = new List<int>();
        var predictions = scorer.Score(images, light);
        var lightBackground = light.Select(i => shown[i]).ToList();

        var results = shown.Zip(predictions, (path, p) => new ImagePrediction(
            path, p.Label, p.Ranked.Take(settings.Top).Select(c => new LabelScore(c.Label, c.Score)).ToList())).ToList();
        var table = new Table().AddColumns("image", "label", $"top {settings.Top}");
        foreach (var result in results)
        {
            var top = string.Join(", ", result.Top.Select(t => $"{t.Label} {t.Score.ToString("P1", CultureInfo.InvariantCulture)}"));
            table.AddRow(Markup.Escape(result.Path), $"[bold]{Markup.Escape(result.Label)}[/]", Markup.Escape(top));
        }
        AnsiConsole.Write(table);
        if (!settings.Invert && lightBackground.Count > 0)
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]{string.Join(", ", lightBackground.Select(p => $"'{p}'"))}: light background. This model was trained on MNIST's light digits on black and misreads dark digits on white; --invert swaps black and white first.[/]");

        if (settings.Json is { } path)
        {
            var written = OutputFiles.WriteAtomically(path, JsonSerializer.Serialize(results, Indented));
            AnsiConsole.MarkupLineInterpolated($"Predictions written to {written}");
        }
        if (damaged.Count > 0)
            throw new InvalidDataException(
                $"{damaged.Count} of {requested.Count} image(s) could not be read: {string.Join("; ", damaged.Select(d => $"'{d.FilePath}': {d.Defect}"))}.");
        return 0;
    }

    /// <summary>One image's result, as written to <c>--json</c>.</summary>
    public sealed record ImagePrediction(
        [property: JsonPropertyName("path")] string Path,
        [property: JsonPropertyName("label")] string Label,
        [property: JsonPropertyName("top")] IReadOnlyList<LabelScore> Top);
}
