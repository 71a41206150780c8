using System.Text.Json;
using System.Text.Json.Serialization;
using CnnMl.Demo.Cli;

namespace CnnMl.Demo.Commands.Compare;

/// <summary>One architecture's row of <c>cnnml compare</c>'s leaderboard, as printed and as written by <c>--json</c>.</summary>
public sealed record LeaderboardEntry(
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("architecture")] string Architecture,
    [property: JsonPropertyName("microAccuracy")] double MicroAccuracy,
    [property: JsonPropertyName("macroAccuracy")] double MacroAccuracy,
    [property: JsonPropertyName("logLoss")] double LogLoss,
    [property: JsonPropertyName("parameters")] long Parameters,
    [property: JsonPropertyName("macs")] long Macs,
    [property: JsonPropertyName("trainSeconds")] double TrainSeconds,
    [property: JsonPropertyName("imagesPerSecond")] double ImagesPerSecond)
{
    /// <summary>
    /// Ranks <paramref name="entries"/>: highest micro-accuracy first, then lowest log-loss, then fewest parameters;
    /// rank 1 is the best.
    /// </summary>
    public static IReadOnlyList<LeaderboardEntry> Ranked(IEnumerable<LeaderboardEntry> entries) =>
        entries.OrderByDescending(e => e.MicroAccuracy).ThenBy(e => e.LogLoss).ThenBy(e => e.Parameters)
            .Select((e, i) => e with { Rank = i + 1 })
            .ToList();
}

/// <summary>The whole leaderboard, as <c>cnnml compare --json</c> writes it.</summary>
public sealed record Leaderboard(
    [property: JsonPropertyName("data")] string Data,
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("epochs")] int Epochs,
    [property: JsonPropertyName("trainImages")] long TrainImages,
    [property: JsonPropertyName("testImages")] long TestImages,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("entries")] IReadOnlyList<LeaderboardEntry> Entries)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the JSON atomically (see <see cref="OutputFiles.WriteAtomically(string, string)"/>) and returns the full path.</summary>
    public string WriteTo(string path) => OutputFiles.WriteAtomically(path, JsonSerializer.Serialize(this, Indented));
}
