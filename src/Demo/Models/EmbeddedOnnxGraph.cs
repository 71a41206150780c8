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
