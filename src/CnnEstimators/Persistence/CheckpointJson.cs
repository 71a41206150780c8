using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CnnMl.Optimizers;

namespace CnnMl.Persistence;

/// <summary>
/// How the JSON entries are written and read: camelCase names, indented; reading is strict — unknown or
/// repeated properties, missing required ones, nulls where a value is required, numbers as strings and
/// nesting beyond <see cref="CheckpointLimits.MaxJsonDepth"/> are defects.
/// </summary>
internal static class CheckpointJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        NumberHandling = JsonNumberHandling.Strict,
        MaxDepth = CheckpointLimits.MaxJsonDepth,
    };

    /// <summary>UTF-8 JSON of <paramref name="document"/>.</summary>
    public static byte[] Serialize<T>(T document) => JsonSerializer.SerializeToUtf8Bytes(document, Options);

    /// <summary>Parses an entry strictly.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON for <typeparamref name="T"/>; the message names the entry and JSON path.</exception>
    public static T Deserialize<T>(byte[] utf8, string entry) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(utf8, Options)
                   ?? throw new InvalidDataException($"{entry} holds null; expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{entry} is not valid: {e.Message}", e);
        }
    }

    /// <summary>An optimizer's settings: its public properties, as its concrete type declares them.</summary>
    public static JsonObject ToSettings(CnnOptimizer optimizer) =>
        JsonSerializer.SerializeToNode(optimizer, optimizer.GetType(), Options)!.AsObject();

    /// <summary>
    /// The optimizer registered as <paramref name="name"/> with <paramref name="settings"/>, read strictly: every
    /// setting present, none unknown, each in range (<see cref="CnnOptimizer.Validate"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">Names the entry, the setting and the rule.</exception>
    public static CnnOptimizer ToOptimizer(string name, JsonObject settings, string entry)
    {
        var type = CnnOptimizers.Create(name).GetType();
        try
        {
            var optimizer = (CnnOptimizer?)settings.Deserialize(type, Options)
                            ?? throw new InvalidDataException($"{entry}: settings hold null; expected a JSON object.");
            var missing = ToSettings(optimizer).Select(p => p.Key).Where(key => !settings.ContainsKey(key)).ToList();
            if (missing.Count > 0)
                throw new InvalidDataException($"{entry}: settings lack {string.Join(", ", missing)}; {name} has every setting recorded.");
            optimizer.Validate();
            return optimizer;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"{entry}: settings of '{name}' are not valid: {e.Message}", e);
        }
    }
}
