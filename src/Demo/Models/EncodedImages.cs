using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Demo.Models;

/// <summary>
/// Encoded images (a PNG, JPEG, BMP or GIF file's bytes) as the rows a model that reads decoded images scores: each
/// decoded with <c>MLImage.CreateFromStream</c>, exactly as ML.NET's <c>LoadImages</c> decodes a file after reading its
/// bytes, so bytes and paths give the same pixels. No temporary file.
/// </summary>
internal static class EncodedImages
{
    /// <summary>Decodes one image's bytes. Throws <see cref="InvalidDataException"/> naming <paramref name="source"/> when they are not an image SkiaSharp decodes.</summary>
    public static MLImage Decode(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0) throw new InvalidDataException($"{source}: no bytes; an image (PNG, JPEG, BMP, GIF) was expected.");
        try
        {
            return MLImage.CreateFromStream(new MemoryStream(bytes, writable: false));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new InvalidDataException($"{source}: {bytes.Length:N0} bytes that are not an image ML.NET decodes (PNG, JPEG, BMP, GIF): {e.Message}", e);
        }
    }

    /// <summary>
    /// The images as rows of one column, <paramref name="column"/>, of ML.NET's image type (what the model's input schema
    /// names). Streamed: <paramref name="images"/> is enumerated as the rows are read; the caller disposes the images.
    /// </summary>
    public static IDataView Rows(MLContext ml, string column, IEnumerable<MLImage> images)
    {
        var definition = SchemaDefinition.Create(typeof(ImageRow));
        definition[nameof(ImageRow.Image)].ColumnName = column;
        return ml.Data.LoadFromEnumerable(images.Select(i => new ImageRow { Image = i }), definition);
    }

    private sealed class ImageRow
    {
        // ML.NET's image type needs a size to be declared; images of any size are accepted (the model resizes them).
        [ImageType(1, 1)]
        public MLImage? Image { get; set; }
    }
}
