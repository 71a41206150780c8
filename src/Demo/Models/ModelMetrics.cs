using System.Text.Json;
using System.Text.Json.Serialization;
using CnnMl.Demo.Cli;
using Microsoft.ML.Data;

namespace CnnMl.Demo.Models;

/// <summary>
/// ML.NET's evaluation of a saved model zip on MNIST test images: what <c>cnnml evaluate --metrics-json</c> writes,
/// and what <c>cnnml train --out --metrics-json</c> records under <c>savedModel</c> right after saving.
/// </summary>
public sealed record ModelMetrics(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("testImages")] long TestImages,
    [property: JsonPropertyName("microAccuracy")] double MicroAccuracy,
    [property: JsonPropertyName("macroAccuracy")] double MacroAccuracy,
    [property: JsonPropertyName("logLoss")] double LogLoss)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The figures of <paramref name="metrics"/> for the zip at <paramref name="model"/>.</summary>
    public static ModelMetrics From(string model, long testImages, MulticlassClassificationMetrics metrics) =>
        new(model, testImages, metrics.MicroAccuracy, metrics.MacroAccuracy, metrics.LogLoss);

    /// <summary>Writes the JSON atomically and returns the full path.</summary>
    public string WriteTo(string path) => OutputFiles.WriteAtomically(path, JsonSerializer.Serialize(this, Indented));
}
