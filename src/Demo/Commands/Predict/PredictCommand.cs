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
/// <c>cnnml predict</c>: classifies image files with a model zip loaded by plain ML.NET. Each image is read with
/// ML.NET's image transforms, turned into the model's input exactly as the training features were made (MNIST
/// models: grayscale, 28×28, pixel / 255), and all images are scored in one batch <c>Transform</c>.
/// </summary>
public sealed class PredictCommand : Command<PredictSettings>
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public override int Execute(CommandContext context, PredictSettings settings, CancellationToken cancellation)
    {
        OutputFiles.EnsureWritable("--json", settings.Json);
        var modelPath = OutputFiles.RequireFile("--model", settings.Model);
        var requested = settings.ImageFilePaths();
        // A file argument is listed as it was typed; a folder's files by their full paths.
        var typed = settings.Images.All(i => !Directory.Exists(i)) ? settings.Images : requested;
        // Every file is checked first: a damaged one is reported at the end, the others are still answered.
        var (readable, damaged) = PredictImageChecks.Check(requested);
        var paths = readable.Select(i => requested[i]).ToList();
        var shown = readable.Select(i => typed[i]).ToList();
        var lightBackground = new List<string>();

        var ml = new MLContext();
        using var model = SavedModel.Load(ml, modelPath);
        IDataView rows;
        var decoded = new List<Microsoft.ML.Data.MLImage>();
        using var disposeImages = new DisposeAll(decoded);
        if (model.EncodedImageInput() is { } imageColumn)
        {
            // The model reads decoded images: each file's bytes decoded as LoadImages decodes them.
            foreach (var file in paths)
            {
                CnnMl.Data.ImageFiles.Check(file);
                decoded.Add(EncodedImages.Decode(File.ReadAllBytes(file), file));
            }
            rows = EncodedImages.Rows(ml, imageColumn, decoded);
        }
        else if (model.ImagePathInput() is { } pathColumn)
        {
            // The saved pipeline starts with LoadImages: it reads the files itself, exactly as in training.
            rows = TextRows(ml, pathColumn, paths);
        }
        else
        {
            var (column, side) = model.SquareGrayscaleInput();
            var vectors = paths.Count == 0 ? [] : ImageFiles.GrayscaleVectors(ml, paths, side);
            lightBackground.AddRange(shown.Where((_, i) => PredictImageChecks.BorderMean(vectors[i], side) > PredictImageChecks.LightBackground));
            if (settings.Invert) vectors = vectors.Select(PredictImageChecks.Inverted).ToArray();
            rows = FeatureRows(ml, column, side * side, vectors);
        }
        cancellation.ThrowIfCancellationRequested();
        var predictions = paths.Count == 0 ? [] : model.Predict(rows);

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

    private static IDataView FeatureRows(MLContext ml, string column, int size, IEnumerable<float[]> vectors)
    {
        var definition = SchemaDefinition.Create(typeof(FeatureRow));
        var features = definition[nameof(FeatureRow.Features)];
        features.ColumnName = column;
        features.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return ml.Data.LoadFromEnumerable(vectors.Select(v => new FeatureRow { Features = v }).ToList(), definition);
    }

    private static IDataView TextRows(MLContext ml, string column, IEnumerable<string> paths)
    {
        var definition = SchemaDefinition.Create(typeof(PathRow));
        definition[nameof(PathRow.Path)].ColumnName = column;
        return ml.Data.LoadFromEnumerable(paths.Select(p => new PathRow { Path = p }).ToList(), definition);
    }

    /// <summary>One image's result, as written to <c>--json</c>.</summary>
    public sealed record ImagePrediction(
        [property: JsonPropertyName("path")] string Path,
        [property: JsonPropertyName("label")] string Label,
        [property: JsonPropertyName("top")] IReadOnlyList<LabelScore> Top);

    private sealed class DisposeAll(List<Microsoft.ML.Data.MLImage> images) : IDisposable
    {
        public void Dispose() => images.ForEach(i => i.Dispose());
    }

    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}
