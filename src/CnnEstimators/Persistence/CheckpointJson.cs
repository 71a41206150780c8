using System.Text.Json;
using System.Text.Json.Serialization;

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
}
