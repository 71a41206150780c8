using System.Text.Json;
using System.Text.Json.Serialization;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Models;

namespace CnnMl.Demo.Commands.Train;

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
    [property: JsonPropertyName("parameters")] long Parameters,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("threads")] int? Threads,
    [property: JsonPropertyName("finalTrainLoss")] double FinalTrainLoss,
    [property: JsonPropertyName("weightsSha256")] string WeightsSha256,
    [property: JsonPropertyName("savedModel"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ModelMetrics? SavedModel = null)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the JSON atomically (see <see cref="OutputFiles.WriteAtomically"/>) and returns the full path.</summary>
    public string WriteTo(string path) => OutputFiles.WriteAtomically(path, JsonSerializer.Serialize(this, Indented));
}
