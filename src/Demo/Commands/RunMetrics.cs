using System.Text.Json;
using System.Text.Json.Serialization;

namespace CnnMl.Demo.Commands;

/// <summary>The figures of one <c>cnnml train</c> run, as written by <c>--metrics-json</c>.</summary>
public sealed record RunMetrics(
    [property: JsonPropertyName("architecture")] string Architecture,
    [property: JsonPropertyName("epochs")] int Epochs,
    [property: JsonPropertyName("trainImages")] long TrainImages,
    [property: JsonPropertyName("testImages")] long TestImages,
    [property: JsonPropertyName("microAccuracy")] double MicroAccuracy,
    [property: JsonPropertyName("macroAccuracy")] double MacroAccuracy,
    [property: JsonPropertyName("logLoss")] double LogLoss,
    [property: JsonPropertyName("trainSeconds")] double TrainSeconds,
    [property: JsonPropertyName("imagesPerSecond")] double ImagesPerSecond,
    [property: JsonPropertyName("parameters")] long Parameters)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the JSON next to nothing else: a temporary file renamed into place, so a crash never leaves half a file.</summary>
    public void WriteTo(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Indented));
        File.Move(temporary, full, overwrite: true);
    }
}
