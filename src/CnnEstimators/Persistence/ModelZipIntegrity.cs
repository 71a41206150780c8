using System.IO.Compression;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CnnMl.Persistence;

/// <summary>
/// Integrity checks for ML.NET model zips, done before ML.NET's loader sees the bytes:
/// <list type="bullet">
/// <item>every entry inflates and matches the CRC-32 and length in the zip's central directory (.NET's
/// <see cref="ZipArchive"/> does not check CRCs on read, so a flipped bit in a stored entry would otherwise load);</item>
/// <item>when the zip carries CnnMl's manifest (<see cref="ManifestEntryName"/>, written by
/// <see cref="CnnModelFile.SaveAtomically"/>), the entries are exactly the listed ones with the listed lengths and
/// SHA-256 digests, which also catches an entry rewritten with a fresh CRC.</item>
/// </list>
/// ML.NET ignores entries it does not know, so the manifest does not disturb a plain <c>mlContext.Model.Load</c>.
/// </summary>
internal static class ModelZipIntegrity
{
    /// <summary>The zip entry holding the manifest.</summary>
    public const string ManifestEntryName = "CnnMl/Manifest.json";

    /// <summary>The manifest's <c>format</c> value.</summary>
    public const string ManifestFormat = "cnnml-model-zip-manifest";

    /// <summary>The manifest version this code writes and reads.</summary>
    public const int ManifestVersion = 1;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Adds the manifest to the complete zip in <paramref name="zip"/> (seekable, readable and writable).</summary>
    public static void AddManifest(Stream zip)
    {
        // Digests from a read-only view first: an entry opened in Update mode would be recompressed on dispose.
        List<ManifestEntry> entries;
        zip.Position = 0;
        using (var reader = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true))
        {
            if (reader.GetEntry(ManifestEntryName) is not null)
                throw new InvalidOperationException($"The model zip already has an entry '{ManifestEntryName}'.");
            entries = reader.Entries
                .Select(entry =>
                {
                    using var content = entry.Open();
                    return new ManifestEntry(entry.FullName, entry.Length, Convert.ToHexStringLower(SHA256.HashData(content)));
                })
                .ToList();
        }

        zip.Position = 0;
        using var writer = new ZipArchive(zip, ZipArchiveMode.Update, leaveOpen: true);
        var manifestEntry = writer.CreateEntry(ManifestEntryName, CompressionLevel.Optimal);
        using var output = manifestEntry.Open();
        JsonSerializer.Serialize(output, new Manifest(ManifestFormat, ManifestVersion, entries), JsonOptions);
    }

    /// <summary>
    /// Checks the zip in <paramref name="zip"/>; returns null when it is sound, else a sentence naming the defect.
    /// <paramref name="hasManifest"/> tells whether a manifest was found (and then checked).
    /// </summary>
    public static string? FindDefect(Stream zip, out bool hasManifest)
    {
        hasManifest = false;
        ZipArchive archive;
        try
        {
            zip.Position = 0;
            archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            return $"it is not a readable zip archive ({e.Message})";
        }

        using (archive)
        {
            // The central directory is read at the first look at the entries, not when the archive is opened.
            IReadOnlyCollection<ZipArchiveEntry> entries;
            try
            {
                entries = archive.Entries;
            }
            catch (InvalidDataException e)
            {
                return $"its zip central directory is damaged ({e.Message})";
            }

            var digests = new Dictionary<string, (long Length, string Sha256)>(StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                if (!digests.TryAdd(entry.FullName, default))
                    return $"the entry '{entry.FullName}' occurs twice";
                var defect = Digest(entry, out var length, out var sha256);
                if (defect is not null) return defect;
                digests[entry.FullName] = (length, sha256);
            }

            var manifestEntry = archive.GetEntry(ManifestEntryName);
            if (manifestEntry is null) return null;
            hasManifest = true;
            return CheckManifest(manifestEntry, digests);
        }
    }

    private static string? Digest(ZipArchiveEntry entry, out long length, out string sha256)
    {
        length = 0;
        sha256 = "";
        try
        {
            using var content = entry.Open();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var crc = new Crc32();
            var buffer = new byte[81920];
            int read;
            while ((read = content.Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                crc.Append(buffer.AsSpan(0, read));
                length += read;
            }
            if (length != entry.Length)
                return $"the entry '{entry.FullName}' holds {length} bytes, but the zip directory says {entry.Length}";
            if (crc.GetCurrentHashAsUInt32() != entry.Crc32)
                return $"the entry '{entry.FullName}' fails its CRC-32 check (content {crc.GetCurrentHashAsUInt32():x8}, zip directory {entry.Crc32:x8})";
            sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            return $"the entry '{entry.FullName}' cannot be read ({e.Message})";
        }
    }

    private static string? CheckManifest(ZipArchiveEntry manifestEntry, Dictionary<string, (long Length, string Sha256)> digests)
    {
        Manifest? manifest;
        try
        {
            using var stream = manifestEntry.Open();
            manifest = JsonSerializer.Deserialize<Manifest>(stream, JsonOptions);
        }
        catch (JsonException e)
        {
            return $"its manifest '{ManifestEntryName}' is not valid JSON of the expected form ({e.Message})";
        }
        if (manifest is null || manifest.Format != ManifestFormat || manifest.Entries is null)
            return $"its manifest '{ManifestEntryName}' is not a {ManifestFormat}";
        if (manifest.Version != ManifestVersion)
            return $"its manifest '{ManifestEntryName}' has version {manifest.Version}; this CnnMl reads version {ManifestVersion}";

        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in manifest.Entries)
        {
            if (item?.Name is null || !listed.Add(item.Name))
                return $"its manifest '{ManifestEntryName}' lists an entry without a name or twice";
            if (!digests.TryGetValue(item.Name, out var actual))
                return $"the entry '{item.Name}' listed in the manifest is missing";
            if (actual.Length != item.Length)
                return $"the entry '{item.Name}' holds {actual.Length} bytes; the manifest says {item.Length}";
            if (!string.Equals(actual.Sha256, item.Sha256, StringComparison.OrdinalIgnoreCase))
                return $"the entry '{item.Name}' differs from the manifest (SHA-256 {actual.Sha256}, expected {item.Sha256})";
        }
        var extra = digests.Keys.Where(name => name != ManifestEntryName && !listed.Contains(name)).ToList();
        return extra.Count == 0 ? null : $"the entry '{extra[0]}' is not listed in the manifest";
    }

    private sealed record Manifest(string Format, int Version, List<ManifestEntry> Entries);

    private sealed record ManifestEntry(string Name, long Length, string Sha256);
}
