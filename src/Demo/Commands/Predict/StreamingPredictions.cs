using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Models;
using CnnMl.Persistence;
using Spectre.Console;

namespace CnnMl.Demo.Commands.Predict;

/// <summary>
/// <c>cnnml predict --model m.zip DIR --json out.jsonl</c>: a folder too large for memory, classified in chunks of
/// <see cref="ChunkSize"/> files (each read once, checked whole, scored in one <c>Transform</c>) and written as JSON Lines,
/// one object per file in the shape of <c>cnnml predict --json</c>'s (<c>{"path", "label", "top"}</c>), or
/// <c>{"path", "error"}</c> for a file that could not be classified. Memory holds one chunk and the file names of one
/// folder at a time (a folder's files are listed, in ordinal order, when it is reached; sub-folders after its files).
/// The file is written atomically (a temporary file renamed at the end); a bad file does not stop the run, which exits 1
/// at the end naming how many failed and the first of them.
/// </summary>
internal static class StreamingPredictions
{
    /// <summary>Files scored per <c>Transform</c>.</summary>
    public const int ChunkSize = 64;

    private static readonly JsonSerializerOptions Compact = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Whether <c>--json</c> asks for JSON Lines (a <c>.jsonl</c> file).</summary>
    public static bool IsJsonLines(string path) => path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);

    /// <summary>Classifies every image the settings name into <paramref name="output"/>; returns the exit code.</summary>
    public static int Run(ImageScorer scorer, PredictSettings settings, string output, CancellationToken cancellation)
    {
        var total = settings.StreamImageFiles().Count();
        if (total == 0)
            throw new InvalidDataException($"{string.Join(", ", settings.Images.Select(i => $"'{i}'"))} hold no {string.Join(", ", ImageFiles.Extensions)} files to classify.");
        var (done, failed) = (0, 0);
        string? firstFailure = null;
        var written = AtomicFile.Write(Path.GetFullPath(output), stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16, leaveOpen: true);
            void Classify(Action<int> advance)
            {
                foreach (var chunk in settings.StreamImageFiles().Chunk(ChunkSize))
                {
                    cancellation.ThrowIfCancellationRequested();
                    var lines = new string?[chunk.Length];
                    var good = new List<(int Index, CheckedImage Image)>();
                    for (var i = 0; i < chunk.Length; i++)
                    {
                        try
                        {
                            good.Add((i, CheckedImage.Read(chunk[i], chunk[i])));
                        }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CnnMl.Data.ImageFileException or InvalidDataException)
                        {
                            lines[i] = Failure(chunk[i], e.Message);
                            failed++;
                            firstFailure ??= $"{Printable(chunk[i])}: {Printable(e.Message)}";
                        }
                    }
                    var predictions = scorer.Score(good.Select(g => g.Image).ToList());
                    for (var k = 0; k < good.Count; k++)
                    {
                        var p = predictions[k];
                        lines[good[k].Index] = JsonSerializer.Serialize(new PredictCommand.ImagePrediction(chunk[good[k].Index], p.Label,
                            p.Ranked.Take(settings.Top).Select(c => new LabelScore(c.Label, c.Score)).ToList()), Compact);
                    }
                    foreach (var line in lines) writer.Write(line + "\n");
                    done += chunk.Length;
                    advance(chunk.Length);
                }
                writer.Flush();
            }

            if (AnsiConsole.Profile.Capabilities.Interactive)
            {
                AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                        new RemainingTimeColumn())
                    .Start(progress =>
                    {
                        var task = progress.AddTask($"Classifying {total:N0} files", maxValue: total);
                        Classify(n => task.Increment(n));
                    });
            }
            else
            {
                Classify(_ => { });
            }
        });
        AnsiConsole.MarkupLineInterpolated($"Classified {done - failed:N0} of {done:N0} files; {failed:N0} could not be read. Predictions written to {written} (JSON Lines).");
        if (failed > 0)
            throw new InvalidDataException(
                $"{failed:N0} of {done:N0} files could not be classified; each has a line with its error in {written}. The first: {firstFailure}");
        return ExitCodes.Success;
    }

    private static string Failure(string path, string error) => JsonSerializer.Serialize(new ImageFailure(path, Printable(error)), Compact);

    // Control characters (a file name may hold a newline or an escape sequence) shown as \uXXXX: messages stay on one printable line.
    private static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString()));

    /// <summary>A file that could not be classified, as a line of the JSON Lines file.</summary>
    private sealed record ImageFailure(
        [property: JsonPropertyName("path")] string Path,
        [property: JsonPropertyName("error")] string Error);
}
