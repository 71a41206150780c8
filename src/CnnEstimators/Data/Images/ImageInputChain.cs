using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using static Microsoft.ML.Transforms.Image.ImagePixelExtractingEstimator;

namespace CnnMl.Data;

/// <summary>
/// Builds, from ML.NET's own transforms only, the part of an image-input chain that follows an image column:
/// resize → (grayscale) → pixel planes, channels first → scale to [0, 1] (and normalize). Every step is a transformer
/// that <c>mlContext.Model.Save</c> stores and a plain ML.NET process loads.
/// </summary>
/// <remarks>
/// The scaling is an <c>Expression</c> (<c>x : x / 255.0</c>) on the raw 0–255 values rather than
/// <c>ExtractPixels(scaleImage: 1/255)</c>: ML.NET's scale multiplies by the rounded reciprocal, which differs from
/// the MNIST loader's and torchvision's division in the last bit for about half of the byte values; the division
/// gives exactly their numbers. <c>ExtractPixels</c>' offset and scale are one value for all channels, so a
/// per-channel normalization extracts each color plane on its own, normalizes it with its own <c>Expression</c>
/// and concatenates the planes in channel order.
/// </remarks>
internal static class ImageInputChain
{
    private const ColorBits AllColors = ColorBits.Red | ColorBits.Green | ColorBits.Blue;
    private static readonly ColorBits[] ChannelColors = [ColorBits.Red, ColorBits.Green, ColorBits.Blue];

    /// <summary>The intermediate columns' names: the output column's name plus a suffix, so two chains in one pipeline never meet.</summary>
    public static string Intermediate(string outputColumnName, string part) => $"{outputColumnName}.{part}";

    /// <summary>Requires a C×H×W shape with 1 or 3 channels.</summary>
    public static void CheckShape(ImageShape shape, PixelNormalization? normalization)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.SpatialRank != 2 || shape.Channels is not (1 or 3))
            throw new ArgumentException(
                $"An image input is CxHxW with 1 (grayscale) or 3 (RGB) channels; got {shape}. Volumes and other channel counts are not images ML.NET's image transforms make.",
                nameof(shape));
        if (shape.Spatial[0] > int.MaxValue || shape.Spatial[1] > int.MaxValue)
            throw new ArgumentException($"Image shape {shape} is larger than an image can be.", nameof(shape));
        if (normalization is not null && normalization.Channels != shape.Channels)
            throw new ArgumentException(
                $"The normalization ({normalization}) is for {normalization.Channels} channel(s); the input {shape} has {shape.Channels}.",
                nameof(normalization));
    }

    /// <summary>
    /// The chain of <paramref name="start"/> (which leaves an image in <paramref name="sourceImageColumn"/>; null: the
    /// input already holds images there) and the steps after it, which work on <paramref name="imageColumn"/> from the
    /// resize on. <paramref name="grayscaleSource"/>: the image is gray in its red plane alone (a grayscale vector
    /// turned into an image), so the red plane is every channel and no grayscale conversion is needed.
    /// </summary>
    public static EstimatorChain<ITransformer> Build(TransformsCatalog transforms, IEstimator<ITransformer>? start, string sourceImageColumn, string imageColumn,
        ImageShape shape, string outputColumnName, PixelNormalization? normalization, ImageResizingEstimator.ResizingKind resizing, bool grayscaleSource)
    {
        var height = (int)shape.Spatial[0];
        var width = (int)shape.Spatial[1];
        var steps = new List<IEstimator<ITransformer>>();
        if (start is not null) steps.Add(start);
        steps.Add(transforms.ResizeImages(imageColumn, width, height, sourceImageColumn, resizing));
        var channels = (int)shape.Channels;
        if (channels == 1 && !grayscaleSource) steps.Add(transforms.ConvertToGrayscale(imageColumn));

        if (normalization is null && (channels == 1 || !grayscaleSource))
        {
            // One extraction of every channel, channels first, then one division.
            var raw = Intermediate(outputColumnName, "Raw");
            var colors = channels == 1 ? ColorBits.Red : AllColors;
            steps.Add(transforms.ExtractPixels(raw, imageColumn, colors, ColorsOrder.ARGB, interleavePixelColors: false));
            steps.Add(transforms.Expression(outputColumnName, "x : x / 255.0", raw));
            return Chain(steps);
        }

        // One plane per channel, each scaled (and normalized) on its own, then concatenated in channel order.
        // A gray source gives every channel from its red plane; a plane with the same expression is computed once.
        var planes = new string[channels];
        var extracted = new HashSet<ColorBits>();
        var scaled = new Dictionary<(ColorBits, string), string>();
        for (var c = 0; c < channels; c++)
        {
            var color = channels == 1 || grayscaleSource ? ColorBits.Red : ChannelColors[c];
            var raw = Intermediate(outputColumnName, color.ToString());
            if (extracted.Add(color))
                steps.Add(transforms.ExtractPixels(raw, imageColumn, color, ColorsOrder.ARGB, interleavePixelColors: false));
            var expression = ScaleExpression(normalization, c);
            if (!scaled.TryGetValue((color, expression), out var plane))
            {
                plane = Intermediate(outputColumnName, $"Channel{c}");
                steps.Add(transforms.Expression(plane, expression, raw));
                scaled[(color, expression)] = plane;
            }
            planes[c] = plane;
        }
        steps.Add(transforms.Concatenate(outputColumnName, planes));
        return Chain(steps);
    }

    private static EstimatorChain<ITransformer> Chain(IEnumerable<IEstimator<ITransformer>> steps) =>
        steps.Aggregate(new EstimatorChain<ITransformer>(), (chain, step) => chain.Append(step));

    /// <summary>ML.NET's expression language: "x : x / 255.0" or "x : (x / 255.0 - (0.485)) / (0.229)" (single precision, as torchvision).</summary>
    private static string ScaleExpression(PixelNormalization? normalization, int channel)
    {
        if (normalization is null) return "x : x / 255.0";
        var mean = normalization.Mean[channel].ToString("R", CultureInfo.InvariantCulture);
        var std = normalization.Std[channel].ToString("R", CultureInfo.InvariantCulture);
        return $"x : (x / 255.0 - ({mean})) / ({std})";
    }
}
