using Microsoft.ML;

namespace CnnMl.Persistence;

/// <summary>
/// Saving and loading ML.NET model zips safely: <c>mlContext.Model.SaveAtomically(model, schema, path)</c> and
/// <c>mlContext.Model.LoadVerified(path, out schema)</c>. The files are ordinary ML.NET zips: a pipeline holding a
/// <see cref="Scoring.CnnTransformer"/> is stored as ML.NET's own transformers (see
/// <see cref="Scoring.CnnTransformer"/>'s remarks) and loads with a plain <c>mlContext.Model.Load</c>, without CnnMl.
/// </summary>
/// <remarks>
/// Why not plain <c>mlContext.Model.Save(model, schema, path)</c>: it creates (truncates) the file first and then asks
/// each transformer to save itself, so a transformer that throws leaves a broken zip where a good model may have been.
/// <see cref="SaveAtomically"/> writes a temporary file in the same folder and renames it over the target only once
/// the zip is complete and flushed.
/// </remarks>
public static class CnnModelFile
{
    /// <summary>
    /// Saves <paramref name="model"/> and its input schema to <paramref name="path"/> without ever leaving a partial
    /// file there: through <c>Model.Save(model, schema, Stream)</c> into a uniquely named temporary file in the same
    /// folder, plus an integrity manifest (SHA-256 of every entry, ignored by ML.NET, checked by
    /// <see cref="LoadVerified"/>), flushed to disk and renamed over <paramref name="path"/>. On any failure the
    /// temporary file is deleted and an existing file at <paramref name="path"/> is left byte for byte as it was.
    /// </summary>
    /// <param name="catalog"><c>mlContext.Model</c>.</param>
    /// <param name="model">The fitted pipeline (may contain <see cref="Scoring.CnnTransformer"/>s).</param>
    /// <param name="inputSchema">The schema of the data the pipeline reads (<c>trainData.Schema</c>). A column of ML.NET
    /// images (<c>MLImage</c>: a pipeline that starts from decoded images, see <c>CnnImageInputFromImage</c>) is
    /// recorded as the encoded image's bytes, <c>Vector&lt;Byte&gt;</c> annotated <c>EncodedImage</c>: ML.NET's own
    /// <c>Model.Save</c> cannot store an image column and would leave it out. <see cref="LoadVerified"/> gives it back as an image column.</param>
    /// <param name="path">The zip to write; its folder must exist.</param>
    /// <returns>The full path written.</returns>
    public static string SaveAtomically(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path)
        => Save(catalog, model, inputSchema, path, wrapStream: null, beforeCommit: null);

    /// <summary>
    /// Loads a model zip with ML.NET's loader after checking the file: every entry must inflate and match its CRC-32,
    /// and, for zips written by <see cref="SaveAtomically"/>, the integrity manifest. The loaded pipeline must also
    /// accept its saved input schema. Any defect, and any failure of ML.NET's loader, is reported as one
    /// <see cref="InvalidDataException"/> naming the file and the defect.
    /// </summary>
    /// <param name="catalog"><c>mlContext.Model</c>.</param>
    /// <param name="path">The zip to read.</param>
    /// <param name="inputSchema">The input schema saved with the model; a column saved as an encoded image's bytes (see
    /// <see cref="SaveAtomically"/>) is an image column again (<c>MLImage</c>), as the pipeline reads it.</param>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is damaged or is not an ML.NET model zip.</exception>
    public static ITransformer LoadVerified(this ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new FileNotFoundException($"No model file at '{full}'.", full);

        // One read: the checks and ML.NET's loader see the same bytes.
        using var bytes = new MemoryStream(File.ReadAllBytes(full), writable: false);
        if (ModelZipIntegrity.FindDefect(bytes, out _) is { } defect)
            throw Damaged(full, defect, inner: null);

        ITransformer? model = null;
        try
        {
            bytes.Position = 0;
            model = catalog.Load(bytes, out inputSchema);
            if (inputSchema is not null)
            {
                inputSchema = EncodedImageColumns.AfterLoading(inputSchema) ?? inputSchema;
                model.GetOutputSchema(inputSchema);
            }
            return model;
        }
        catch (Exception e)
        {
            (model as IDisposable)?.Dispose();
            // ML.NET reports a damaged model in many ways (FormatException, InvalidOperationException from its
            // checks, EndOfStreamException, ONNX Runtime errors, ...): all of them mean this file cannot be used.
            throw Damaged(full, $"ML.NET cannot load it ({e.GetType().Name}: {FirstLine(e.Message)})", e);
        }
    }

    /// <summary>The save, with two test seams: a wrapper around the file stream and a hook before the rename.</summary>
    internal static string Save(ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path,
        Func<Stream, Stream>? wrapStream, Action<string>? beforeCommit)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        return AtomicFile.Write(path, file =>
        {
            var target = wrapStream?.Invoke(file) ?? file;
            catalog.Save(model, EncodedImageColumns.ForSaving(inputSchema) ?? inputSchema, target);
            target.Flush();
            ModelZipIntegrity.AddManifest(file);
        }, beforeCommit);
    }

    private static InvalidDataException Damaged(string path, string defect, Exception? inner) =>
        new($"The model file '{path}' is damaged or is not an ML.NET model zip: {defect}. Save the model again " +
            "(mlContext.Model.SaveAtomically) or restore the file from a copy.", inner);

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
