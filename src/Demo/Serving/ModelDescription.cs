using System.Text.Json.Serialization;
using CnnMl.Demo.Models;
using Onnx;

namespace CnnMl.Demo.Serving;

/// <summary>
/// <c>GET /model</c>: what the served zip is, read from the ONNX graph it scores with (the network's name, its input
/// shape, its weights, the CnnMl that exported it) and from its input schema. Nothing about where the file lies.
/// </summary>
internal sealed record ModelDescription(
    [property: JsonPropertyName("architecture")] string Architecture,
    [property: JsonPropertyName("input")] ModelInput Input,
    [property: JsonPropertyName("classes")] IReadOnlyList<string> Classes,
    [property: JsonPropertyName("parameters")] long Parameters,
    [property: JsonPropertyName("savedBy")] string SavedBy,
    [property: JsonPropertyName("version")] string Version)
{
    /// <summary>Reads the description of the zip at <paramref name="zipPath"/>, loaded as <paramref name="model"/>.</summary>
    public static ModelDescription Read(SavedModel model, ModelInput input, IReadOnlyList<string> classes, string version)
    {
        var (_, graph) = EmbeddedOnnxGraph.Read(model.Path, model.Transformer);
        return new ModelDescription(graph.Graph.Name, input with { Shape = NetworkInputShape(graph) ?? input.Shape }, classes,
            CountParameters(graph), string.IsNullOrEmpty(graph.ProducerName) ? "unknown" : $"{graph.ProducerName} {graph.ProducerVersion}".TrimEnd(), version);
    }

    /// <summary>
    /// The learned weights: every float initializer but batch normalization's running statistics (buffers, not parameters).
    /// </summary>
    private static long CountParameters(ModelProto graph) =>
        graph.Graph.Initializer
            .Where(t => t.DataType == (int)TensorProto.Types.DataType.Float)
            .Where(t => !t.Name.EndsWith("running_mean", StringComparison.Ordinal) && !t.Name.EndsWith("running_var", StringComparison.Ordinal))
            .Sum(t => t.Dims.Aggregate(1L, (a, d) => a * d));

    /// <summary>"1x28x28": the shape the graph reshapes its flat input to (the exporter's first Reshape), or null.</summary>
    private static string? NetworkInputShape(ModelProto graph)
    {
        var input = graph.Graph.Input.Select(i => i.Name).FirstOrDefault(n => graph.Graph.Initializer.All(t => t.Name != n));
        var reshape = graph.Graph.Node.FirstOrDefault(n => n.OpType == "Reshape" && n.Input.Count == 2 && n.Input[0] == input);
        var shape = reshape is null ? null : graph.Graph.Initializer.FirstOrDefault(t => t.Name == reshape.Input[1]);
        if (shape is null || shape.Int64Data.Count < 2) return null;
        return string.Join("x", shape.Int64Data.Skip(1));
    }
}

/// <summary>What a request sends: <c>vector</c> (JSON pixels, or an image the server turns into them) or <c>image</c> (encoded image bytes).</summary>
internal sealed record ModelInput(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("column")] string Column,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("shape")] string Shape,
    [property: JsonPropertyName("accepts")] IReadOnlyList<string> Accepts);
