using System.Text.Json;
using System.Text.Json.Serialization;

namespace CnnMl.Persistence;

/// <summary>checkpoint.json: what the file is, which version of the format, and which kind of checkpoint.</summary>
internal sealed record ManifestDocument
{
    /// <summary>The value of <see cref="Format"/>.</summary>
    public const string FormatName = "cnnml-checkpoint";

    /// <summary>
    /// The newest format version this code reads and the one it writes for training checkpoints. Version 2 records
    /// any registered optimizer in optimizer.json (name, settings, state names); version 1 recorded Adam alone.
    /// </summary>
    public const int CurrentVersion = 2;

    /// <summary>
    /// The version written for model checkpoints: their entries are the same in versions 1 and 2, so they stay
    /// version 1 and older readers keep loading them.
    /// </summary>
    public const int ModelVersion = 1;

    /// <summary><see cref="Kind"/> of a trained model (no optimizer or training entries).</summary>
    public const string ModelKind = "model";

    /// <summary><see cref="Kind"/> of a checkpoint written while training, to resume from.</summary>
    public const string TrainingKind = "training";

    /// <summary>Always <see cref="FormatName"/>.</summary>
    public required string Format { get; init; }

    /// <summary>Format version; readers refuse versions they do not know.</summary>
    public required int Version { get; init; }

    /// <summary><see cref="ModelKind"/> or <see cref="TrainingKind"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The library that wrote the file, e.g. "CnnMl 1.0.0" (informational).</summary>
    public required string Writer { get; init; }

    /// <summary>The entries a checkpoint of this kind holds.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Entries => Kind == TrainingKind ? CheckpointEntries.TrainingEntries : CheckpointEntries.ModelEntries;

    /// <summary>A manifest for this version of the library.</summary>
    public static ManifestDocument Create(string kind) => new()
    {
        Format = FormatName,
        Version = kind == TrainingKind ? CurrentVersion : ModelVersion,
        Kind = kind,
        Writer = $"CnnMl {typeof(ManifestDocument).Assembly.GetName().Version}",
    };

    /// <summary>
    /// Parses checkpoint.json: format and version first (a newer version may have other fields), then the
    /// whole document strictly.
    /// </summary>
    public static ManifestDocument Read(byte[] utf8)
    {
        const string entry = CheckpointEntries.Manifest;
        try
        {
            using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = CheckpointLimits.MaxJsonDepth });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName)
                throw new InvalidDataException($"{entry} does not say \"format\": \"{FormatName}\" (not a CnnMl checkpoint).");
            if (!root.TryGetProperty("version", out var version) || !version.TryGetInt32(out var number))
                throw new InvalidDataException($"{entry} has no integer \"version\".");
            if (number is < ModelVersion or > CurrentVersion)
                throw new InvalidDataException(number > CurrentVersion
                    ? $"{entry} says format version {number}; this CnnMl reads versions {ModelVersion} to {CurrentVersion}. Load it with a newer CnnMl."
                    : $"{entry} says format version {number}; versions start at {ModelVersion}.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{entry} is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException($"{entry} is not valid: {e.Message}", e);
        }

        var manifest = CheckpointJson.Deserialize<ManifestDocument>(utf8, entry);
        if (manifest.Kind is not (ModelKind or TrainingKind))
            throw new InvalidDataException($"{entry} has kind '{SafetensorsReader.Shorten(manifest.Kind)}'; expected '{ModelKind}' or '{TrainingKind}'.");
        if (manifest.Kind == TrainingKind && manifest.Version != CurrentVersion)
            throw new InvalidDataException(
                $"{entry} says training checkpoint version {manifest.Version}, whose optimizer.json records Adam in a layout this CnnMl no longer reads; " +
                $"training checkpoints are version {CurrentVersion}, so this one can be neither resumed nor loaded. Retrain, or load a model checkpoint (CnnTransformer.SaveCheckpoint).");
        if (manifest.Writer.Length > 256)
            throw new InvalidDataException($"{entry} has a writer string of {manifest.Writer.Length} characters; at most 256.");
        return manifest;
    }
}
