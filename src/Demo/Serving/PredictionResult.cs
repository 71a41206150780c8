using System.Text.Json.Serialization;
using CnnMl.Demo.Models;

namespace CnnMl.Demo.Serving;

/// <summary>
/// One image's answer from <c>POST /predict</c>: the predicted class and the best classes with their probabilities,
/// the shape of <c>cnnml predict --json</c>'s entries (<see cref="File"/>, the uploaded file's name, only in multipart answers).
/// </summary>
internal sealed record PredictionResult(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("top")] IReadOnlyList<LabelScore> Top,
    [property: JsonPropertyName("file"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? File = null)
{
    /// <summary>The best <paramref name="top"/> classes of <paramref name="scores"/>, best first (ties: the lower index, as ML.NET's arg-max).</summary>
    public static PredictionResult From(float[] scores, IReadOnlyList<string> classes, int top, string? file = null)
    {
        var ranked = Enumerable.Range(0, scores.Length)
            .OrderByDescending(i => scores[i]).ThenBy(i => i)
            .Take(top)
            .Select(i => new LabelScore(i < classes.Count ? classes[i] : $"class {i}", scores[i]))
            .ToList();
        return new PredictionResult(ranked[0].Label, ranked, file);
    }
}
