using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Persistence;

/// <summary>
/// Reads the safetensors format (see <see cref="SafetensorsWriter"/>) from an untrusted stream, in two steps:
/// <see cref="ReadHeader"/> checks the header's structure against the entry's length before anything is
/// allocated, and <see cref="ReadInto"/> checks names, dtypes and shapes against tensors the caller already
/// owns and streams the data into them. Every defect is an <see cref="InvalidDataException"/> naming the entry.
/// </summary>
/// <remarks>
/// Rules (those of the reference implementation, plus caps): the header length fits the entry and
/// <see cref="CheckpointLimits.MaxSafetensorsHeaderBytes"/>; the header is a JSON object starting with '{';
/// names are unique; each tensor has exactly <c>dtype</c>, <c>shape</c> and <c>data_offsets</c>; a range's length
/// equals the element count times the dtype's size; the ranges, sorted, start at 0, touch without gap or
/// overlap, and end exactly at the end of the entry.
/// </remarks>
internal static class SafetensorsReader
{
    /// <summary>Reads and checks the header; leaves <paramref name="stream"/> at the first data byte.</summary>
    /// <param name="stream">The entry's content, positioned at its start.</param>
    /// <param name="entryLength">The entry's exact length in bytes.</param>
    /// <param name="entry">Entry name for messages.</param>
    /// <returns>The tensors in data order.</returns>
    public static IReadOnlyList<SafetensorsTensorInfo> ReadHeader(Stream stream, long entryLength, string entry)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Safetensors data is little-endian; this reader runs on little-endian machines only.");
        if (entryLength < sizeof(ulong) + 2)
            throw Defect(entry, $"is {entryLength} bytes; a safetensors file has at least an 8-byte length and a '{{}}' header");

        Span<byte> prefix = stackalloc byte[sizeof(ulong)];
        stream.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        var room = entryLength - sizeof(ulong);
        if (headerLength > (ulong)room)
            throw Defect(entry, $"declares a {headerLength}-byte header, but only {room} bytes follow the length field");
        if (headerLength > (ulong)CheckpointLimits.MaxSafetensorsHeaderBytes)
            throw Defect(entry, $"declares a {headerLength}-byte header; the limit is {CheckpointLimits.MaxSafetensorsHeaderBytes} bytes");
        if (headerLength < 2)
            throw Defect(entry, $"declares a {headerLength}-byte header; the smallest header is '{{}}'");

        var header = new byte[(int)headerLength];
        stream.ReadExactly(header);
        if (header[0] != (byte)'{')
            throw Defect(entry, $"header starts with byte 0x{header[0]:X2}; a safetensors header starts with '{{'");
        var tensors = ParseHeader(header, entry);
        CheckRanges(tensors, room - (long)headerLength, entry);
        return tensors;
    }

    /// <summary>
    /// Checks the header against <paramref name="targets"/> (same names, dtypes and shapes) and then copies
    /// each tensor's data into its target, reading <paramref name="stream"/> to the end of the data.
    /// </summary>
    public static void ReadInto(Stream stream, IReadOnlyList<SafetensorsTensorInfo> header, IReadOnlyDictionary<string, Tensor> targets, string entry)
    {
        var declared = header.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var unexpected = header.Select(t => t.Name).Where(n => !targets.ContainsKey(n)).ToArray();
        if (unexpected.Length > 0)
            throw Defect(entry, $"holds {unexpected.Length} tensor(s) the network does not have: {List(unexpected)}");
        var missing = targets.Keys.Where(n => !declared.Contains(n)).ToArray();
        if (missing.Length > 0)
            throw Defect(entry, $"lacks {missing.Length} tensor(s) the network has: {List(missing)}");
        foreach (var info in header)
        {
            var target = targets[info.Name];
            if (info.DType != target.dtype)
                throw Defect(entry, $"tensor '{info.Name}' is {info.DTypeName}; the network's is {SafetensorsDType.NameOf(target.dtype)}");
            if (!info.Shape.AsSpan().SequenceEqual(target.shape))
                throw Defect(entry, $"tensor '{info.Name}' has shape {SafetensorsTensorInfo.FormatShape(info.Shape)}; the network's is {SafetensorsTensorInfo.FormatShape(target.shape)}");
        }

        using var noGrad = no_grad();
        foreach (var info in header)
        {
            var target = targets[info.Name];
            if (target.device_type == DeviceType.CPU && target.is_contiguous())
            {
                // A contiguous CPU tensor's bytes are its memory: read straight into it.
                stream.ReadExactly(target.bytes);
            }
            else
            {
                using var scope = NewDisposeScope();
                var host = empty(info.Shape, info.DType);
                stream.ReadExactly(host.bytes);
                target.copy_(host);
            }
        }
    }

    private static List<SafetensorsTensorInfo> ParseHeader(byte[] header, string entry)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = CheckpointLimits.MaxJsonDepth });
        }
        catch (JsonException e)
        {
            throw Defect(entry, $"header is not valid JSON ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Defect(entry, $"header is a JSON {root.ValueKind}; it must be an object");
            var names = new HashSet<string>(StringComparer.Ordinal);
            var tensors = new List<SafetensorsTensorInfo>();
            foreach (var property in root.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw Defect(entry, $"header names '{Shorten(property.Name)}' twice");
                if (property.Name == SafetensorsWriter.MetadataKey)
                {
                    CheckMetadata(property.Value, entry);
                    continue;
                }
                tensors.Add(ParseTensor(property.Name, property.Value, entry));
            }
            return tensors;
        }
    }

    private static void CheckMetadata(JsonElement metadata, string entry)
    {
        if (metadata.ValueKind != JsonValueKind.Object)
            throw Defect(entry, $"'{SafetensorsWriter.MetadataKey}' is a JSON {metadata.ValueKind}; it must be an object of strings");
        foreach (var item in metadata.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Defect(entry, $"metadata '{Shorten(item.Name)}' is a JSON {item.Value.ValueKind}; metadata values are strings");
        }
    }

    private static SafetensorsTensorInfo ParseTensor(string name, JsonElement value, string entry)
    {
        if (name.Length == 0 || name.Length > CheckpointLimits.MaxNameLength)
            throw Defect(entry, $"header has a tensor name of {name.Length} characters; names have 1 to {CheckpointLimits.MaxNameLength}");
        if (value.ValueKind != JsonValueKind.Object)
            throw Defect(entry, $"tensor '{Shorten(name)}' is a JSON {value.ValueKind}; it must be an object with dtype, shape and data_offsets");
        string? dtypeName = null;
        long[]? shape = null, offsets = null;
        var fields = 0;
        foreach (var field in value.EnumerateObject())
        {
            fields++;
            switch (field.Name)
            {
                case "dtype" when dtypeName is null && field.Value.ValueKind == JsonValueKind.String:
                    dtypeName = field.Value.GetString()!;
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(field.Value, name, "shape", CheckpointLimits.MaxTensorRank, entry);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(field.Value, name, "data_offsets", 2, entry);
                    break;
                default:
                    throw Defect(entry, $"tensor '{Shorten(name)}' has an unexpected or repeated field '{Shorten(field.Name)}' ({field.Value.ValueKind}); expected dtype (string), shape and data_offsets");
            }
        }
        if (fields != 3 || dtypeName is null || shape is null || offsets is null)
            throw Defect(entry, $"tensor '{Shorten(name)}' needs exactly dtype, shape and data_offsets");
        if (!SafetensorsDType.TryParse(dtypeName, out var dtype, out var elementSize))
            throw Defect(entry, $"tensor '{Shorten(name)}' has dtype '{Shorten(dtypeName)}'; supported: {string.Join(", ", SafetensorsDType.Names)}");
        if (offsets.Length != 2 || offsets[0] > offsets[1])
            throw Defect(entry, $"tensor '{Shorten(name)}' has data_offsets [{string.Join(", ", offsets)}]; expected [begin, end] with begin ≤ end");

        long bytes;
        try
        {
            bytes = checked(shape.Aggregate(1L, (a, b) => a * b) * elementSize);
        }
        catch (OverflowException)
        {
            throw Defect(entry, $"tensor '{Shorten(name)}' has shape {SafetensorsTensorInfo.FormatShape(shape)}, whose size overflows 64 bits");
        }
        if (offsets[1] - offsets[0] != bytes)
            throw Defect(entry, $"tensor '{Shorten(name)}' ({dtypeName} {SafetensorsTensorInfo.FormatShape(shape)}) needs {bytes} bytes; its data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]}");
        return new SafetensorsTensorInfo(name, dtype, dtypeName, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(JsonElement value, string tensor, string field, int maxCount, string entry)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > maxCount)
            throw Defect(entry, $"tensor '{Shorten(tensor)}' field '{field}' must be an array of at most {maxCount} non-negative integers");
        var result = new long[value.GetArrayLength()];
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number) || number < 0)
                throw Defect(entry, $"tensor '{Shorten(tensor)}' field '{field}' holds {Shorten(item.GetRawText())}; expected non-negative integers");
            result[i++] = number;
        }
        return result;
    }

    /// <summary>The ranges, in data order, must tile [0, dataLength) exactly.</summary>
    private static void CheckRanges(List<SafetensorsTensorInfo> tensors, long dataLength, string entry)
    {
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long position = 0;
        foreach (var tensor in tensors)
        {
            if (tensor.Begin != position)
                throw Defect(entry, tensor.Begin > position
                    ? $"has a gap: no tensor covers bytes [{position}, {tensor.Begin}) of the data"
                    : $"tensor '{Shorten(tensor.Name)}' at [{tensor.Begin}, {tensor.End}) overlaps the previous tensor, which ends at {position}");
            position = tensor.End;
        }
        if (position != dataLength)
            throw Defect(entry, position < dataLength
                ? $"has {dataLength - position} bytes after the last tensor's data (data is {dataLength} bytes; tensors cover {position})"
                : $"declares {position} bytes of tensor data, but only {dataLength} bytes follow the header");
    }

    private static string List(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(5).Select(n => $"'{Shorten(n)}'")) + (names.Count > 5 ? $" and {names.Count - 5} more" : "");

    /// <summary>Keeps messages short when a hostile file holds huge strings.</summary>
    internal static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    private static InvalidDataException Defect(string entry, string message) => new($"{entry} {message}.");
}
