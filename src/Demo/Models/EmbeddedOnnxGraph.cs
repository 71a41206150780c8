using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Transforms.Onnx;
using Onnx;

namespace CnnMl.Demo.Models;

/// <summary>
/// The ONNX graph a saved pipeline scores with: the one carried by the <c>OnnxTransformer</c> in the loaded chain.
/// </summary>
/// <remarks>
/// ML.NET keeps an <c>OnnxTransformer</c>'s model bytes internal (its <c>Model</c> field; no public member returns
/// them), but the zip holds them: <c>OnnxTransformer</c> saves the graph as a binary stream entry named
/// <c>OnnxModel</c>, written as a length-prefixed byte array. The graph is read from there, after checking that the
/// loaded chain has exactly one <c>OnnxTransformer</c> and the zip exactly one such entry, that the length prefix
/// matches, and that the bytes parse as an ONNX <c>ModelProto</c> (the official message classes, from OnnxSharp).
/// </remarks>
internal static class EmbeddedOnnxGraph
{
    /// <summary>The name of the zip entry in which <c>OnnxTransformer</c> stores its graph.</summary>
    public const string EntryName = "OnnxModel";

    /// <summary>Reads the graph of the one <c>OnnxTransformer</c> in <paramref name="model"/>, loaded from <paramref name="zipPath"/>.</summary>
    public static (byte[] Bytes, ModelProto Model) Read(string zipPath, ITransformer model)
    {
        var onnxTransformers = Flatten(model).OfType<OnnxTransformer>().Count();
        if (onnxTransformers != 1)
            throw new NotSupportedException(
                $"'{zipPath}' has {onnxTransformers} OnnxTransformers in its pipeline; cnnml export writes the graph of a pipeline with exactly one " +
                "(the one cnnml train --out saves).");

        using var zip = ZipFile.OpenRead(zipPath);
        var entries = zip.Entries.Where(e => e.Name == EntryName).ToList();
        if (entries.Count != 1)
            throw new InvalidDataException($"'{zipPath}' has {entries.Count} '{EntryName}' entries for its one OnnxTransformer; expected one.");

        using var stream = new MemoryStream();
        using (var content = entries[0].Open()) content.CopyTo(stream);
        var bytes = WithoutLengthPrefix(stream.ToArray(), zipPath, entries[0].FullName);
        try
        {
            return (bytes, ModelProto.Parser.ParseFrom(bytes));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"'{entries[0].FullName}' in '{zipPath}' is not an ONNX model ({e.Message}).", e);
        }
    }

    /// <summary>The metadata key under which <see cref="NetworkOnly"/> keeps the class names, a JSON array in class order.</summary>
    public const string ClassNamesMetadataKey = "cnnml.class_names";

    /// <summary>
    /// A copy of <paramref name="model"/> with only the network's own outputs: the node ML.NET reads slot names from
    /// (an <c>ai.onnx.ml</c> <c>LabelEncoder</c> named <c>mlnet.&lt;column&gt;.SlotNames</c>), the constant it reads and
    /// the <c>mlnet.&lt;column&gt;.unusedOutput</c> it feeds are removed, and with them the <c>ai.onnx.ml</c> opset import
    /// when no other node needs it. The class names the node held stay in the model's metadata
    /// (<see cref="ClassNamesMetadataKey"/>), so the file still says which index is which class.
    /// </summary>
    public static ModelProto NetworkOnly(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var copy = model.Clone();
        var graph = copy.Graph;
        var annotations = graph.Node.Where(n => n.Name.StartsWith("mlnet.", StringComparison.Ordinal) && n.Name.EndsWith(".SlotNames", StringComparison.Ordinal)).ToList();
        foreach (var node in annotations)
        {
            if (node.Attribute.FirstOrDefault(a => a.Name == "keys_strings") is { } keys && copy.MetadataProps.All(m => m.Key != ClassNamesMetadataKey))
            {
                var names = keys.Strings.Select(b => b.ToStringUtf8()).ToArray();
                copy.MetadataProps.Add(new StringStringEntryProto { Key = ClassNamesMetadataKey, Value = System.Text.Json.JsonSerializer.Serialize(names) });
            }
            graph.Node.Remove(node);
            foreach (var output in node.Output)
            {
                if (graph.Output.FirstOrDefault(o => o.Name == output) is { } unused) graph.Output.Remove(unused);
            }
            foreach (var input in node.Input)
            {
                if (graph.Node.Any(n => n.Input.Contains(input)) || graph.Output.Any(o => o.Name == input)) continue;
                if (graph.Initializer.FirstOrDefault(t => t.Name == input) is { } constant) graph.Initializer.Remove(constant);
            }
        }
        var domains = graph.Node.Select(n => n.Domain is "" ? "ai.onnx" : n.Domain).ToHashSet(StringComparer.Ordinal);
        foreach (var import in copy.OpsetImport.Where(o => o.Domain is not ("" or "ai.onnx") && !domains.Contains(o.Domain)).ToList())
            copy.OpsetImport.Remove(import);
        return copy;
    }

    /// <summary>"opset 17; input Image [N, 784] float; outputs CnnMl.Probabilities [N, 10] float, ..."</summary>
    public static string Describe(ModelProto model)
    {
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version;
        var inputs = model.Graph.Input.Where(i => model.Graph.Initializer.All(t => t.Name != i.Name)).Select(Describe);
        var outputs = model.Graph.Output.Select(Describe);
        return $"opset {opset}; input {string.Join(", ", inputs)}; outputs {string.Join(", ", outputs)}";
    }

    private static string Describe(ValueInfoProto value)
    {
        var tensor = value.Type?.TensorType;
        if (tensor is null) return value.Name;
        var dims = tensor.Shape?.Dim.Select(d => d.DimParam is { Length: > 0 } p ? p : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var type = ((TensorProto.Types.DataType)tensor.ElemType).ToString().ToLowerInvariant();
        return $"{value.Name} [{string.Join(", ", dims ?? [])}] {type}";
    }

    // ML.NET's BinaryWriter.WriteByteArray: a little-endian Int32 count, then the bytes (an Int64 count is accepted
    // too, should a later ML.NET widen it for graphs over 2 GB).
    private static byte[] WithoutLengthPrefix(byte[] entry, string zipPath, string entryName)
    {
        if (entry.Length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(entry) == entry.Length - 4) return entry[4..];
        if (entry.Length >= 8 && BinaryPrimitives.ReadInt64LittleEndian(entry) == entry.Length - 8) return entry[8..];
        throw new InvalidDataException($"'{entryName}' in '{zipPath}' does not start with the length of the graph that follows it ({entry.Length} bytes).");
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer)
    {
        yield return transformer;
        if (transformer is not IEnumerable<ITransformer> chain) yield break;
        foreach (var inner in chain.SelectMany(Flatten)) yield return inner;
    }
}
