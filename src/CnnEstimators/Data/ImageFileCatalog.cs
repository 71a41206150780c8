using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Data;

/// <summary>Image-file checks for <see cref="MLContext.Data"/>, to run before a pipeline's <c>LoadImages</c>.</summary>
public static class ImageFileCatalog
{
    /// <summary>
    /// Checks every image file named in <paramref name="pathColumnName"/> with <see cref="ImageFiles.Check"/> and
    /// returns <paramref name="data"/> unchanged, so that a damaged or truncated file stops the work with its name
    /// instead of reaching <c>LoadImages</c>, which would give a partly blank image or an exception without the
    /// file's name. Paths are combined with <paramref name="imageFolder"/> as <c>LoadImages</c> does.
    /// </summary>
    /// <param name="catalog">The data catalog (<c>mlContext.Data</c>).</param>
    /// <param name="data">The rows, with a text column of image paths.</param>
    /// <param name="pathColumnName">The path column (the one <c>LoadImages</c> reads).</param>
    /// <param name="imageFolder">The folder the paths are relative to, as given to <c>LoadImages</c>; null or empty: as they are.</param>
    /// <exception cref="ImageFileException">A file is damaged, truncated or not a PNG, JPEG, BMP or GIF image.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidOperationException">A row's path is empty (<c>LoadImages</c> would give a blank image).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or not text.</exception>
    public static IDataView CheckImageFiles(this DataOperationsCatalog catalog, IDataView data, string pathColumnName, string? imageFolder = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        var column = data.Schema.GetColumnOrNull(pathColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(pathColumnName), $"Path column '{pathColumnName}' was not found (columns: {string.Join(", ", data.Schema.Select(c => c.Name))}).");
        if (column.Type is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(pathColumnName), $"Path column '{pathColumnName}' has type {column.Type}; expected text (file paths).");
        using var cursor = data.GetRowCursor([column]);
        var getPath = cursor.GetGetter<ReadOnlyMemory<char>>(column);
        var value = default(ReadOnlyMemory<char>);
        while (cursor.MoveNext())
        {
            getPath(ref value);
            var path = value.ToString();
            if (string.IsNullOrWhiteSpace(path))
                throw new InvalidOperationException($"Row {cursor.Position} of path column '{pathColumnName}' is empty; LoadImages would give a blank image for it.");
            ImageFiles.Check(string.IsNullOrWhiteSpace(imageFolder) ? path : Path.Combine(imageFolder, path));
        }
        return data;
    }
}
