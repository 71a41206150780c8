using CnnMl.Data;

namespace CnnMl.Demo.Commands.Predict;

/// <summary>
/// What <c>cnnml predict</c> checks of its images before scoring: that each file is a whole image (a damaged one is
/// reported, the others still answered), and for a model trained on MNIST — light digits on black — whether an
/// image has the opposite, light background.
/// </summary>
internal static class PredictImageChecks
{
    /// <summary>The border mean (0 black, 1 white) above which an image counts as light-background: 0.5.</summary>
    public const double LightBackground = 0.5;

    /// <summary>The indices of the whole files of <paramref name="paths"/>, and each damaged one's defect, in order.</summary>
    public static (IReadOnlyList<int> Readable, IReadOnlyList<ImageFileException> Damaged) Check(IReadOnlyList<string> paths)
    {
        var readable = new List<int>();
        var damaged = new List<ImageFileException>();
        for (var i = 0; i < paths.Count; i++)
        {
            try
            {
                ImageFiles.Check(paths[i]);
                readable.Add(i);
            }
            catch (ImageFileException e)
            {
                damaged.Add(e);
            }
        }
        return (readable, damaged);
    }

    /// <summary>
    /// The mean of the outermost two rows and columns of a <paramref name="side"/>×<paramref name="side"/> grayscale image
    /// (values 0–1): MNIST's digits sit on a black border (mean 0), a digit drawn dark on paper on a light one.
    /// </summary>
    public static double BorderMean(float[] pixels, int side)
    {
        double sum = 0;
        var count = 0;
        for (var y = 0; y < side; y++)
        {
            for (var x = 0; x < side; x++)
            {
                if (y >= 2 && y < side - 2 && x >= 2 && x < side - 2) continue;
                sum += pixels[y * side + x];
                count++;
            }
        }
        return count == 0 ? 0 : sum / count;
    }

    /// <summary>The image with black and white swapped (1 − value), as <c>--invert</c> gives it to the model.</summary>
    public static float[] Inverted(float[] pixels) => pixels.Select(p => 1 - p).ToArray();
}
