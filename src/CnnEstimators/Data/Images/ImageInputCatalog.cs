using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using static Microsoft.ML.Transforms.Image.ImagePixelExtractingEstimator;

namespace CnnMl.Data;

/// <summary>
/// <c>mlContext.Transforms.CnnImageInput(shape)</c>: the ML.NET image-transform chain that turns image files (or a
/// grayscale pixel vector) into a network's input column, channels first, scaled as the networks are trained
/// (pixel / 255, as MNIST's loader and torchvision's <c>ToTensor</c>), optionally normalized per channel.
/// </summary>
public static class ImageInputCatalog
{
    /// <summary>The column of image paths an <see cref="ImageFolder"/> gives, and the helper's default input.</summary>
    public const string ImagePathColumnName = "ImagePath";

    /// <summary>The column of decoded images (ML.NET's <c>MLImage</c>) a model that reads encoded image bytes starts from, Model Builder's name.</summary>
    public const string ImageSourceColumnName = "ImageSource";

    /// <summary>The helper's default output column (set <c>CnnTrainerOptions.FeatureColumnName</c> to it).</summary>
    public const string FeaturesColumnName = "Features";

    /// <summary>
    /// Image files → <paramref name="shape"/>: <c>LoadImages</c> → <c>ResizeImages</c> → (<c>ConvertToGrayscale</c>
    /// when the shape has 1 channel) → <c>ExtractPixels</c> channels first → pixel / 255 (an <c>Expression</c>) →
    /// optionally <paramref name="normalization"/>. The output is a <c>Vector&lt;Single, C·H·W&gt;</c>: channel planes
    /// in the order red, green, blue, each row by row. ML.NET's own transformers only: the chain is saved with the
    /// model and a plain ML.NET process loads it.
    /// </summary>
    /// <param name="catalog">The transforms catalog (<c>mlContext.Transforms</c>).</param>
    /// <param name="shape">The network's input, 1×H×W or 3×H×W (e.g. <c>KnownInputs.Mnist</c>, <c>new ImageShape(3, 32, 32)</c>).</param>
    /// <param name="imagePathColumnName">The text column of image file paths.</param>
    /// <param name="imageFolder">The folder the paths are relative to; null: the paths are full paths (as <see cref="ImageFolder"/> gives them).</param>
    /// <param name="outputColumnName">The features column the chain writes.</param>
    /// <param name="normalization">Per-channel mean and standard deviation applied after the scaling (e.g. <see cref="PixelNormalization.ImageNet"/> for torchvision's pretrained weights); null: values stay in [0, 1].</param>
    /// <param name="resizing">How an image of another aspect ratio is fitted: ML.NET's default crops the center (<c>IsoCrop</c>); <c>Fill</c> stretches.</param>
    /// <exception cref="ArgumentException">The shape is not 1×H×W or 3×H×W, or the normalization has another channel count.</exception>
    public static EstimatorChain<ITransformer> CnnImageInput(this TransformsCatalog catalog, ImageShape shape,
        string imagePathColumnName = ImagePathColumnName, string? imageFolder = null, string outputColumnName = FeaturesColumnName,
        PixelNormalization? normalization = null, ImageResizingEstimator.ResizingKind resizing = ImageResizingEstimator.ResizingKind.IsoCrop)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(imagePathColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ImageInputChain.CheckShape(shape, normalization);
        var image = ImageInputChain.Intermediate(outputColumnName, "Image");
        var start = catalog.LoadImages(image, imageFolder ?? "", imagePathColumnName);
        return ImageInputChain.Build(catalog, start, image, image, shape, outputColumnName, normalization, resizing, grayscaleSource: false);
    }

    /// <summary>
    /// Decoded images (a column of ML.NET's <c>MLImage</c>) → <paramref name="shape"/>: the chain of
    /// <see cref="CnnImageInput"/> after its <c>LoadImages</c> (<c>ResizeImages</c> → grayscale → <c>ExtractPixels</c>
    /// → pixel / 255 → normalization). Saved before a network, it makes a model that reads an image's encoded bytes, as
    /// Model Builder's <c>ModelInput { byte[] ImageSource }</c>: the caller decodes them with
    /// <c>MLImage.CreateFromStream(new MemoryStream(bytes))</c>, the call <c>LoadImages</c> makes on a file's bytes,
    /// so the pixels, and the scores, are the ones the path route gives; no temporary file, no CnnMl.
    /// </summary>
    /// <remarks>
    /// To train on image files, load them into the column first with ML.NET's own loader and leave that step out of the
    /// saved model: <c>ml.Transforms.LoadImages("ImageSource", "", "ImagePath")</c> on the rows of
    /// <c>ml.Data.LoadImageFolder(dir)</c>. A batch job with paths does the same in front of the loaded zip (plain ML.NET,
    /// streamed row by row). <c>mlContext.Model.SaveAtomically</c> records the image column of the input schema as the
    /// encoded bytes (<c>Vector&lt;Byte&gt;</c>, annotated <c>EncodedImage</c>), since ML.NET cannot store an image column.
    /// </remarks>
    /// <param name="catalog">The transforms catalog (<c>mlContext.Transforms</c>).</param>
    /// <param name="shape">The network's input, 1×H×W or 3×H×W.</param>
    /// <param name="imageColumnName">The column of decoded images (ML.NET's image type); it is read, not replaced.</param>
    /// <param name="outputColumnName">The features column the chain writes.</param>
    /// <param name="normalization">Per-channel mean and standard deviation applied after the scaling; null: values stay in [0, 1].</param>
    /// <param name="resizing">How an image of another aspect ratio is fitted: ML.NET's default crops the center (<c>IsoCrop</c>); <c>Fill</c> stretches.</param>
    /// <exception cref="ArgumentException">The shape is not 1×H×W or 3×H×W, or the normalization has another channel count.</exception>
    public static EstimatorChain<ITransformer> CnnImageInputFromImage(this TransformsCatalog catalog, ImageShape shape,
        string imageColumnName = ImageSourceColumnName, string outputColumnName = FeaturesColumnName,
        PixelNormalization? normalization = null, ImageResizingEstimator.ResizingKind resizing = ImageResizingEstimator.ResizingKind.IsoCrop)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(imageColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ImageInputChain.CheckShape(shape, normalization);
        var image = ImageInputChain.Intermediate(outputColumnName, "Image");
        return ImageInputChain.Build(catalog, start: null, imageColumnName, image, shape, outputColumnName, normalization, resizing, grayscaleSource: false);
    }

    /// <summary>
    /// A grayscale pixel vector in [0, 1] (MNIST's <c>Image</c> column: 784 values, row by row) → <paramref name="shape"/>:
    /// <c>ConvertToImage</c> → <c>ResizeImages</c> → <c>ExtractPixels</c> → pixel / 255, the gray plane repeated
    /// for each channel of a 3×H×W shape. So a network designed for 3×32×32 or 3×224×224 trains on MNIST, and the
    /// saved model still reads MNIST's 784-value column.
    /// </summary>
    /// <param name="catalog">The transforms catalog (<c>mlContext.Transforms</c>).</param>
    /// <param name="shape">The network's input, 1×H×W or 3×H×W.</param>
    /// <param name="sourceHeight">Rows of the source image (28 for MNIST).</param>
    /// <param name="sourceWidth">Columns of the source image (28 for MNIST).</param>
    /// <param name="inputColumnName">The source vector column (<c>Vector&lt;Single, sourceHeight·sourceWidth&gt;</c>, values in [0, 1]).</param>
    /// <param name="outputColumnName">The features column the chain writes.</param>
    /// <param name="normalization">Per-channel mean and standard deviation applied after the scaling; null: values stay in [0, 1].</param>
    /// <exception cref="ArgumentException">The shape is not 1×H×W or 3×H×W, a source side is below 1, or the normalization has another channel count.</exception>
    public static EstimatorChain<ITransformer> CnnImageInputFromGrayscale(this TransformsCatalog catalog, ImageShape shape, int sourceHeight, int sourceWidth,
        string inputColumnName = "Image", string outputColumnName = FeaturesColumnName, PixelNormalization? normalization = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceWidth, 1);
        ImageInputChain.CheckShape(shape, normalization);
        var image = ImageInputChain.Intermediate(outputColumnName, "Image");
        // Values × 255, rounded, into the red plane (ML.NET's ConvertToImage rounds after scaling, so the bytes are
        // exactly the idx file's); the red plane then carries the gray level through the resize.
        var start = catalog.ConvertToImage(sourceHeight, sourceWidth, image, inputColumnName,
            colorsPresent: ColorBits.Red, interleavedColors: false, scaleImage: 255f);
        return ImageInputChain.Build(catalog, start, image, image, shape, outputColumnName, normalization, ImageResizingEstimator.ResizingKind.Fill, grayscaleSource: true);
    }
}
