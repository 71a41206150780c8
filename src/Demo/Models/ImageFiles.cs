using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Demo.Models;

/// <summary>
/// Image files (PNG, JPEG, BMP) as the flat grayscale vectors an MNIST-trained model reads: decoded and resized
/// with ML.NET's own image transforms (<c>LoadImages</c> → <c>ResizeImages</c> → <c>ConvertToGrayscale</c> →
/// <c>ExtractPixels</c>), then each pixel divided by 255 exactly as <c>LoadMnist</c> scales the training bytes.
/// </summary>
internal static class ImageFiles
{
    /// <summary>The file types <c>cnnml predict</c> reads.</summary>
    public static readonly IReadOnlyList<string> Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    private const float MaxPixel = 255f; // LoadMnist's byte / 255, the training features' scale

    private const string PathColumn = "Path";
    private const string ImageColumn = "CnnMl.Image";
    private const string PixelsColumn = "CnnMl.Pixels";

    /// <summary>
    /// Each file as <paramref name="side"/>×<paramref name="side"/> grayscale values in [0, 1], row by row. An image of
    /// another size is stretched to the square (<c>ResizingKind.Fill</c>); one already that size is left as it is.
    /// </summary>
    public static float[][] GrayscaleVectors(MLContext ml, IReadOnlyList<string> paths, int side)
    {
        foreach (var path in paths) CheckDecodes(path);
        var files = ml.Data.LoadFromEnumerable(paths.Select(p => new ImageFile { Path = p }).ToList());
        // ExtractPixels is asked for the raw 0-255 values: its own scaling multiplies by 1/255, which differs from
        // the training data's division in the last bit for about half of the byte values.
        var pipeline = ml.Transforms.LoadImages(ImageColumn, imageFolder: null, PathColumn)
            .Append(ml.Transforms.ResizeImages(ImageColumn, side, side, resizing: ImageResizingEstimator.ResizingKind.Fill))
            .Append(ml.Transforms.ConvertToGrayscale(ImageColumn))
            .Append(ml.Transforms.ExtractPixels(PixelsColumn, ImageColumn, ImagePixelExtractingEstimator.ColorBits.Red));
        using var transformer = pipeline.Fit(files);
        var pixels = transformer.Transform(files);

        var vectors = new List<float[]>(paths.Count);
        using var cursor = pixels.GetRowCursor([pixels.Schema[PixelsColumn]]);
        var getter = cursor.GetGetter<VBuffer<float>>(pixels.Schema[PixelsColumn]);
        var buffer = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            var vector = new float[side * side];
            var values = buffer.DenseValues().GetEnumerator();
            for (var i = 0; i < vector.Length && values.MoveNext(); i++) vector[i] = values.Current / MaxPixel;
            vectors.Add(vector);
        }
        return vectors.ToArray();
    }

    /// <summary>Decodes <paramref name="path"/> once, so that a bad file is named (ML.NET's cursor would not say which row failed).</summary>
    private static void CheckDecodes(string path)
    {
        try
        {
            using var image = MLImage.CreateFromFile(path);
        }
        catch (Exception e) when (e is not IOException and not UnauthorizedAccessException)
        {
            throw new InvalidDataException($"'{path}' is not a readable image ({e.Message.TrimEnd('.')}); give a PNG, JPEG or BMP file.", e);
        }
    }

    /// <summary>A row of the file list.</summary>
    public sealed class ImageFile
    {
        /// <summary>The image file.</summary>
        public string Path { get; set; } = "";
    }
}
