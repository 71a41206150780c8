using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.Persistence;

/// <summary>
/// Makes damaged checkpoints from a valid one, every one of them a real defect. Three families:
/// raw damage to the file's bytes (truncation, bit flips, inserted, deleted or overwritten bytes — the seal
/// sees it); well-formed, re-sealed archives with defects inside (renamed, missing, extra or swapped entries;
/// JSON edits that break a schema or a rule; safetensors header edits and data of the wrong length); and
/// re-sealed patches of the zip structure (huge or wrong declared sizes, entry counts, names, methods, offsets).
/// Mutations that could leave a valid checkpoint (a different seed, a renamed column) are not generated.
/// </summary>
internal sealed class CheckpointMutator(Random random)
{
    private static readonly string[] RealFields = ["learningRate", "beta1", "beta2", "eps", "weightDecay"];

    /// <summary>A damaged copy of <paramref name="checkpoint"/>, what was done, and whether it is re-sealed.</summary>
    public (string Description, byte[] Bytes, bool Resealed) Mutate(byte[] checkpoint)
    {
        while (true)
        {
            var family = random.Next(100);
            var (description, bytes, resealed) = family switch
            {
                < 30 => Raw(checkpoint),
                < 45 => EntryLevel(checkpoint),
                < 75 => JsonEdit(checkpoint),
                < 90 => SafetensorsEdit(checkpoint),
                _ => ZipPatch(checkpoint),
            };
            if (bytes is not null && !bytes.AsSpan().SequenceEqual(checkpoint)) return (description, bytes, resealed);
        }
    }

    // ---- raw damage (not re-sealed) ----

    private (string, byte[]?, bool) Raw(byte[] file)
    {
        var bytes = file.ToList();
        switch (random.Next(6))
        {
            case 0:
                var length = random.Next(file.Length);
                return ($"raw: truncated to {length} bytes", file[..length], false);
            case 1:
                var flips = random.Next(1, 9);
                var flipped = (byte[])file.Clone();
                for (var i = 0; i < flips; i++) flipped[random.Next(file.Length)] ^= (byte)(1 << random.Next(8));
                return ($"raw: {flips} bit flip(s)", flipped, false);
            case 2:
                var at = random.Next(file.Length + 1);
                var inserted = RandomBytes(random.Next(1, 17));
                bytes.InsertRange(at, inserted);
                return ($"raw: {inserted.Length} byte(s) inserted at {at}", bytes.ToArray(), false);
            case 3:
                var count = random.Next(1, 17);
                var from = random.Next(file.Length - count);
                bytes.RemoveRange(from, count);
                return ($"raw: {count} byte(s) deleted at {from}", bytes.ToArray(), false);
            case 4:
                var span = random.Next(1, 65);
                var start = random.Next(file.Length - span);
                var overwritten = (byte[])file.Clone();
                RandomBytes(span).CopyTo(overwritten, start);
                return ($"raw: {span} byte(s) overwritten at {start}", overwritten, false);
            default:
                var tail = RandomBytes(random.Next(1, 65));
                return ($"raw: {tail.Length} byte(s) appended", [.. file, .. tail], false);
        }
    }

    // ---- well-formed archives with defects inside (re-sealed) ----

    private (string, byte[]?, bool) EntryLevel(byte[] file)
    {
        var entries = CheckpointArchives.Entries(file);
        var pick = random.Next(entries.Count);
        var name = entries[pick].Name;
        string description;
        switch (random.Next(6))
        {
            case 0:
                string[] renames = ["weights.bin", name.ToUpperInvariant(), "../" + name, "extra/" + name, name + " ", entries[(pick + 1) % entries.Count].Name];
                var renamed = renames[random.Next(renames.Length)];
                entries[pick] = (renamed, entries[pick].Content);
                description = $"entry '{name}' renamed to '{renamed}'";
                break;
            case 1:
                entries.RemoveAt(pick);
                description = $"entry '{name}' removed";
                break;
            case 2:
                entries.Insert(random.Next(entries.Count + 1), ("notes.txt", RandomBytes(random.Next(0, 100))));
                description = "unknown entry 'notes.txt' added";
                break;
            case 3:
                entries.Add(entries[pick]);
                description = $"entry '{name}' added twice";
                break;
            case 4:
                var other = (pick + 1 + random.Next(entries.Count - 1)) % entries.Count;
                (entries[pick], entries[other]) = ((name, entries[other].Content), (entries[other].Name, entries[pick].Content));
                description = $"contents of '{name}' and '{entries[other].Name}' swapped";
                break;
            default:
                byte[][] garbage = [[], Encoding.UTF8.GetBytes("null"), Encoding.UTF8.GetBytes("[]"), RandomBytes(random.Next(1, 200))];
                var replacement = garbage[random.Next(garbage.Length)];
                entries[pick] = (name, replacement);
                description = $"entry '{name}' replaced by {replacement.Length} bytes of garbage";
                break;
        }
        return ($"entries: {description}", CheckpointArchives.Pack(entries), true);
    }

    private (string, byte[]?, bool) JsonEdit(byte[] file)
    {
        var entries = CheckpointArchives.Entries(file);
        var jsonEntries = entries.Select((e, i) => (e.Name, Index: i)).Where(e => e.Name.EndsWith(".json", StringComparison.Ordinal)).ToArray();
        var (name, index) = jsonEntries[random.Next(jsonEntries.Length)];
        var text = Encoding.UTF8.GetString(entries[index].Content);
        var (what, edited) = EditJson(text, name);
        if (edited is null) return ("", null, true);
        entries[index] = (name, Encoding.UTF8.GetBytes(edited));
        return ($"json: {name}: {what}", CheckpointArchives.Pack(entries), true);
    }

    /// <summary>One edit that breaks the document's schema or one of its rules (never a legitimate change).</summary>
    private (string, string?) EditJson(string text, string entry)
    {
        var root = JsonNode.Parse(text)!.AsObject();
        var nodes = Walk(root, "$").ToList();
        switch (random.Next(11))
        {
            case 0:
            {
                // Every property is required; every array has a fixed or checked length.
                var (path, node) = nodes.Where(n => n.Node.Parent is not null).ElementAt(random.Next(nodes.Count - 1));
                Remove(node);
                return ($"removed {path}", root.ToJsonString());
            }
            case 1:
            {
                var (path, node) = nodes[random.Next(nodes.Count)];
                JsonNode replacement = node switch
                {
                    JsonObject => new JsonArray(),
                    JsonArray => new JsonObject(),
                    JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonValue.Create(7),
                    JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => JsonValue.Create("yes"),
                    _ => JsonValue.Create("7"),
                };
                if (node.Parent is null) return ("root replaced by an array", "[]");
                Replace(node, replacement);
                return ($"{path} changed to a JSON {replacement.GetValueKind()}", root.ToJsonString());
            }
            case 2:
            {
                // labelKeyValues may legitimately be null; nothing else may.
                var candidates = nodes.Where(n => n.Node.Parent is not null && n.Path != "$.labelKeyValues").ToList();
                var (path, node) = candidates[random.Next(candidates.Count)];
                Replace(node, null);
                return ($"{path} set to null", root.ToJsonString());
            }
            case 3:
            {
                var objects = nodes.Where(n => n.Node is JsonObject).ToList();
                var (path, node) = objects[random.Next(objects.Count)];
                node.AsObject()["surprise"] = 1;
                return ($"unknown property added to {path}", root.ToJsonString());
            }
            case 4:
            {
                var first = root.First();
                var duplicate = $"{{\"{first.Key}\":{first.Value?.ToJsonString() ?? "null"},{root.ToJsonString()[1..]}";
                return ($"property '{first.Key}' repeated", duplicate);
            }
            case 5:
            {
                // Numbers: negative (only the seed may be negative) or beyond their type.
                var numbers = nodes.Where(n => n.Node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && !n.Path.EndsWith(".seed", StringComparison.Ordinal)).ToList();
                var (path, node) = numbers[random.Next(numbers.Count)];
                // A huge learning rate or weight decay is odd but valid: real-valued fields only get negative values.
                var isInteger = !RealFields.Any(f => path.EndsWith("." + f, StringComparison.Ordinal));
                JsonNode value = random.Next(3) switch
                {
                    0 => JsonValue.Create(-1),
                    1 when isInteger => JsonValue.Create(9223372036854775807m + 1),
                    2 when isInteger => JsonValue.Create(4294967296L * 1000),
                    _ => JsonValue.Create(-0.5),
                };
                Replace(node, value);
                return ($"{path} set to {value.ToJsonString()}", root.ToJsonString());
            }
            case 6:
            {
                // Strings where any other value is wrong.
                (string Path, string Value)[] edits =
                [
                    ("$.format", "cnnml-checkpoint2"), ("$.kind", entry == "checkpoint.json" && text.Contains("\"training\"") ? "model" : "training"), ("$.kind", "weights"),
                    ("$.architecture", "lenet5"), ("$.architecture", "condensenet"), ("$.architecture", "no-such-network"),
                    ("$.labelKeyValues.type", "Single"), ("$.labelKeyValues.type", "Blob"),
                    ("$.optimizer", "sgd"), ("$.dataOrder", "random"), ("$.trainDataSha256", "ABCDEF"),
                    ("$.torchGeneratorState", "AAAA"), ("$.parameters[0].name", "conv1.0.bias"),
                ];
                var applicable = edits.Where(e => nodes.Any(n => n.Path == e.Path)).ToArray();
                if (applicable.Length == 0) return ("", null);
                var (path, value) = applicable[random.Next(applicable.Length)];
                Replace(nodes.First(n => n.Path == path).Node, JsonValue.Create(value));
                return ($"{path} set to \"{value}\"", root.ToJsonString());
            }
            case 7 when root["imageShape"] is not null:
            {
                long[][] shapes = [[3, 28, 28], [1, 32, 32], [1, 28, 28, 28], [1, 4, 4], [1, 28], [1, 9000, 28], [1, 512, 512]];
                var shape = shapes[random.Next(shapes.Length)];
                root["imageShape"] = new JsonArray(shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray());
                return ($"imageShape set to [{string.Join(", ", shape)}]", root.ToJsonString());
            }
            case 8 when root["classCount"] is not null:
            {
                var count = root["classCount"]!.GetValue<int>() + (random.Next(2) == 0 ? 1 : -1);
                root["classCount"] = count;
                return ($"classCount set to {count}", root.ToJsonString());
            }
            case 9:
            {
                var cut = random.Next(text.LastIndexOf('}'));
                return ($"text cut at {cut}", text[..cut]);
            }
            case 10 when root["epochsCompleted"] is not null:
            {
                var steps = root["stepsCompleted"]!.GetValue<long>() + random.Next(1, 5);
                root["stepsCompleted"] = steps;
                return ($"stepsCompleted set to {steps}", root.ToJsonString());
            }
            default:
                return ("", null);
        }
    }

    private static IEnumerable<(string Path, JsonNode Node)> Walk(JsonNode node, string path)
    {
        yield return (path, node);
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    if (child is not null)
                        foreach (var item in Walk(child, $"{path}.{key}")) yield return item;
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is { } child)
                        foreach (var item in Walk(child, $"{path}[{i}]")) yield return item;
                }
                break;
        }
    }

    private static void Remove(JsonNode node)
    {
        switch (node.Parent)
        {
            case JsonObject o:
                o.Remove(node.GetPropertyName());
                break;
            case JsonArray a:
                a.RemoveAt(node.GetElementIndex());
                break;
        }
    }

    private static void Replace(JsonNode node, JsonNode? value)
    {
        switch (node.Parent)
        {
            case JsonObject o:
                o[node.GetPropertyName()] = value;
                break;
            case JsonArray a:
                a[node.GetElementIndex()] = value;
                break;
        }
    }

    private (string, byte[]?, bool) SafetensorsEdit(byte[] file)
    {
        var entries = CheckpointArchives.Entries(file);
        var tensorEntries = entries.Select((e, i) => (e.Name, Index: i)).Where(e => e.Name.EndsWith(".safetensors", StringComparison.Ordinal)).ToArray();
        var (name, index) = tensorEntries[random.Next(tensorEntries.Length)];
        var content = entries[index].Content;
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(content);
        var header = JsonNode.Parse(content.AsSpan(8, headerLength))!.AsObject();
        var data = content[(8 + headerLength)..];
        var tensors = header.Where(p => p.Key != "__metadata__").Select(p => p.Key).ToArray();
        var tensor = tensors[random.Next(tensors.Length)];
        var info = header[tensor]!.AsObject();
        string what;
        byte[] rebuilt;
        switch (random.Next(8))
        {
            case 0:
            {
                var declared = random.Next(6) switch
                {
                    0 => ulong.MaxValue,
                    1 => 1UL << 40,
                    2 => (ulong)content.Length,
                    3 => 0UL,
                    4 => (ulong)(headerLength + random.Next(1, 8)),
                    _ => (ulong)(headerLength - random.Next(1, 8)),
                };
                rebuilt = (byte[])content.Clone();
                BinaryPrimitives.WriteUInt64LittleEndian(rebuilt, declared);
                what = $"header length set to {declared} (was {headerLength})";
                break;
            }
            case 1:
            {
                string[] dtypes = ["F16", "I32", "F64", "U8", "X9"];
                var dtype = dtypes[random.Next(dtypes.Length)];
                info["dtype"] = dtype;
                what = $"dtype of '{tensor}' set to {dtype}";
                rebuilt = Rebuild(header, data);
                break;
            }
            case 2:
            {
                var shape = info["shape"]!.AsArray();
                var edit = random.Next(3);
                if (edit == 0) shape.Add(1);
                else if (edit == 1 && shape.Count > 0) shape[0] = shape[0]!.GetValue<long>() * 2;
                else info["shape"] = new JsonArray(4294967296L, 4294967296L);
                what = $"shape of '{tensor}' set to {info["shape"]!.ToJsonString()}";
                rebuilt = Rebuild(header, data);
                break;
            }
            case 3:
            {
                var offsets = info["data_offsets"]!.AsArray();
                var begin = offsets[0]!.GetValue<long>();
                var end = offsets[1]!.GetValue<long>();
                (long, long)[] choices = [(begin + 8, end + 8), (begin, end + 4), (end, begin), (0, 0), (begin, long.MaxValue)];
                var (b, e) = choices[random.Next(choices.Length)];
                info["data_offsets"] = new JsonArray(b, e);
                what = $"data_offsets of '{tensor}' set to [{b}, {e}]";
                rebuilt = Rebuild(header, data);
                break;
            }
            case 4:
            {
                var renamed = tensor + (random.Next(2) == 0 ? "x" : "");
                header.Remove(tensor);
                if (renamed != tensor) header[renamed] = info;
                what = renamed != tensor ? $"tensor '{tensor}' renamed to '{renamed}'" : $"tensor '{tensor}' removed from the header";
                rebuilt = Rebuild(header, data);
                break;
            }
            case 5:
            {
                var end = data.Length;
                var huge = random.Next(2) == 0;
                header["extra.weight"] = new JsonObject
                {
                    ["dtype"] = "F32",
                    ["shape"] = huge ? new JsonArray(1L << 40, 1L << 40) : new JsonArray(0),
                    ["data_offsets"] = new JsonArray(end, end),
                };
                what = huge ? "tensor with a huge shape added" : "empty tensor 'extra.weight' added";
                rebuilt = Rebuild(header, data);
                break;
            }
            case 6:
            {
                header["__metadata__"] = random.Next(2) == 0 ? new JsonObject { ["format"] = 1 } : JsonValue.Create("pt");
                what = "__metadata__ made invalid";
                rebuilt = Rebuild(header, data);
                break;
            }
            default:
            {
                var change = random.Next(1, 17) * (random.Next(2) == 0 ? 1 : -1);
                var newData = change > 0 ? [.. data, .. RandomBytes(change)] : data[..(data.Length + change)];
                what = $"data {(change > 0 ? "extended" : "truncated")} by {Math.Abs(change)} bytes";
                rebuilt = [.. content[..(8 + headerLength)], .. newData];
                break;
            }
        }
        entries[index] = (name, rebuilt);
        return ($"safetensors: {name}: {what}", CheckpointArchives.Pack(entries), true);
    }

    private static byte[] Rebuild(JsonObject header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;
        var entry = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(entry, (ulong)padded);
        json.CopyTo(entry, 8);
        entry.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        data.CopyTo(entry, 8 + padded);
        return entry;
    }

    // ---- re-sealed patches of the zip structure ----

    private (string, byte[]?, bool) ZipPatch(byte[] file)
    {
        var bytes = (byte[])file.Clone();
        var end = bytes.Length - 22 - 88;
        var directory = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(end + 16));
        var records = new List<int>();
        for (var at = directory; BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) == 0x02014b50;)
        {
            records.Add(at);
            at += 46 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 28)) + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 30))
                  + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 32));
        }
        var record = records[random.Next(records.Count)];
        var entry = Encoding.UTF8.GetString(bytes, record + 46, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(record + 28)));
        string what;
        switch (random.Next(6))
        {
            case 0:
            {
                var size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(record + 24));
                uint[] sizes = [0xFFFFFFF0, size + 1, size - 1, size * 1000 + 7, 0];
                var declared = sizes[random.Next(sizes.Length)];
                if (declared == size) return ("", null, true);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(record + 24), declared);
                what = $"declared size of '{entry}' set to {declared} (was {size})";
                break;
            }
            case 1:
            {
                var count = (ushort)(records.Count + (random.Next(2) == 0 ? 1 : -1));
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(end + 8), count);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(end + 10), count);
                what = $"entry count set to {count} (was {records.Count})";
                break;
            }
            case 2:
                bytes[record + 46 + random.Next(entry.Length)] ^= 0x01;
                what = $"a character of the name '{entry}' changed in the directory";
                break;
            case 3:
            {
                var method = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(record + 10));
                var patched = (ushort)(random.Next(2) == 0 ? 99 : method == 0 ? 8 : 0);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(record + 10), patched);
                what = $"compression method of '{entry}' set to {patched} (was {method})";
                break;
            }
            case 4:
            {
                var offset = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(record + 42));
                var patched = (uint)(offset + random.Next(1, 30));
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(record + 42), patched);
                what = $"local header offset of '{entry}' set to {patched} (was {offset})";
                break;
            }
            default:
                bytes[record + 8] |= 0x01;
                what = $"'{entry}' marked encrypted";
                break;
        }
        return ($"zip: {what}", CheckpointArchives.Reseal(bytes), true);
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
