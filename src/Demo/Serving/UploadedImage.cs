using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Demo.Serving;

/// <summary>
/// The adapter from an upload's encoded bytes to what the pipeline reads: the bytes are decoded into an ML.NET
/// <see cref="MLImage"/> with <c>MLImage.CreateFromStream</c> (SkiaSharp, ML.NET's own decoder), which enters a model
/// that reads encoded images through its own input column (<c>ImageSource</c>, as a plain ML.NET caller feeds it), a
/// zip that starts with <c>LoadImages</c> right after that step, and a vector model through a grayscale chain; no
/// upload is ever written to a file. Only bytes whose header <see cref="ImageHeader.Read"/> accepted get here.
/// </summary>
internal static class UploadedImage
{
    /// <summary>Decodes <paramref name="bytes"/>; 400 when the decoder cannot.</summary>
    public static MLImage Decode(byte[] bytes, ImageHeader header, string name)
    {
        try
        {
            return MLImage.CreateFromStream(new MemoryStream(bytes, writable: false));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or NotSupportedException)
        {
            throw RequestProblem.BadRequest($"{char.ToUpperInvariant(name[0])}{name[1..]} has a {header.Format} header ({header.Width} × {header.Height}) but its pixels cannot be decoded ({e.Message.TrimEnd('.')}); send an undamaged file.");
        }
    }

    /// <summary>The engine input: one decoded image in the column named by the schema definition.</summary>
    public sealed class Row
    {
        // Registers MLImage as an ML.NET image column for this member. ML.NET's attribute needs a size; the steps after
        // LoadImages (ResizeImages first) read each image's own size, as they do after LoadImages, whose column has none.
        [ImageType(1, 1)]
        public MLImage? Image { get; set; }
    }

    /// <summary><see cref="Row"/> with its image in <paramref name="column"/> (an image of any size).</summary>
    public static Microsoft.ML.Data.SchemaDefinition Definition(string column)
    {
        var definition = Microsoft.ML.Data.SchemaDefinition.Create(typeof(Row));
        var image = definition.Single(c => c.MemberName == nameof(Row.Image));
        image.ColumnName = column;
        return definition;
    }
}
