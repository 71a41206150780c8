using System.Text;
using System.Text.Json;

namespace CnnMl.Inspection;

/// <summary>Writes a <see cref="ModelSummary"/> as JSON (field names in camelCase, shapes as integer arrays).</summary>
internal static class SummaryJson
{
    public static string Write(ModelSummary summary, bool indented)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartObject();
            json.WriteString("architecture", summary.Architecture);
            WriteShape(json, "input", summary.Input.Dimensions);
            WriteShape(json, "outputShape", summary.OutputShape);
            json.WriteNumber("totalParameters", summary.TotalParameters);
            json.WriteNumber("trainableParameters", summary.TrainableParameters);
            json.WriteNumber("nonTrainableParameters", summary.NonTrainableParameters);
            json.WriteNumber("bufferElements", summary.BufferElements);
            json.WriteNumber("parameterBytes", summary.ParameterBytes);
            json.WriteNumber("macs", summary.Macs);
            json.WriteStartArray("layers");
            foreach (var layer in summary.Layers)
            {
                json.WriteStartObject();
                json.WriteString("name", layer.Name);
                json.WriteString("type", layer.Type);
                json.WriteNumber("depth", layer.Depth);
                WriteShape(json, "outputShape", layer.OutputShape);
                json.WriteNumber("parameters", layer.Parameters);
                json.WriteNumber("trainableParameters", layer.TrainableParameters);
                json.WriteNumber("macs", layer.Macs);
                json.WriteBoolean("called", layer.WasCalled);
                json.WriteBoolean("repeatedCall", layer.IsRepeatedCall);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteShape(Utf8JsonWriter json, string name, IReadOnlyList<long>? shape)
    {
        if (shape is null)
        {
            json.WriteNull(name);
            return;
        }
        json.WriteStartArray(name);
        foreach (var d in shape) json.WriteNumberValue(d);
        json.WriteEndArray();
    }
}
