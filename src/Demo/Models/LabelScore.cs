using System.Text.Json.Serialization;

namespace CnnMl.Demo.Models;

/// <summary>A class and its probability, as <c>cnnml predict --json</c> and <c>cnnml serve</c>'s <c>POST /predict</c> write it.</summary>
public sealed record LabelScore(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("score")] float Score);
