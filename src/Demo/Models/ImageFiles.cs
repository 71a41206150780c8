using CnnMl.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Demo.Models;

/// <summary>
/// Image files (PNG, JPEG, BMP) as the flat grayscale vectors an MNIST-trained model reads, through the library's
/// image-input chain (<c>mlContext.Transforms.CnnImageInput</c>: ML.NET's <c>LoadImages</c> → <c>ResizeImages</c> →
/// <c>ConvertToGrayscale</c> → <c>ExtractPixels</c> → pixel / 255), which gives exactly <c>LoadMnist</c>'s values for
/// an MNIST digit saved as PNG.
/// </summary>
internal static class ImageFiles
{
    /// <summary>The file types <c>cnnml predict</c> reads: an image folder's.</summary>
    public static IReadOnlyList<string> Extensions => ImageFolder.Extensions;

    /// <summary>
    /// Each file as <paramref name="side"/>×<paramref name="side"/> grayscale values in [0, 1], row by row. An image of
    /// another size is stretched to the square (<c>ResizingKind.Fill</c>); one already that size is left as it is.
    /// Each file is checked whole first (<see cref="Data.ImageFiles.Check"/>), so that a bad file is named.
    /// </summary>
    public static float[][] GrayscaleVectors(MLContext ml, IReadOnlyList<string> paths, int side)
    {
        foreach (var path in paths) Data.ImageFiles.Check(path);
        var files = ml.Data.LoadFromEnumerable(paths.Select(p => new LabeledImage { ImagePath = p }).ToList());
        var chain = ml.Transforms.CnnImageInput(new ImageShape(1, side, side), resizing: ImageResizingEstimator.ResizingKind.Fill);
        return chain.Fit(files).Transform(files).GetColumn<float[]>(ImageInputCatalog.FeaturesColumnName).ToArray();
    }
}
