using OxyPlot;

namespace CnnMl.Demo.Plots;

/// <summary>One test image the model got wrong: its pixels (0–1, row by row), its true and its predicted label.</summary>
internal sealed record Misclassified(float[] Pixels, int Rows, int Columns, string Truth, string Predicted);

/// <summary>A grid of the first misclassified test images, each captioned with its true and predicted label.</summary>
internal static class MisclassifiedImagesPlot
{
    /// <summary>The picture's file name.</summary>
    public const string FileName = "misclassified.png";

    /// <summary>At most this many images are shown (the first ones, in test-set order).</summary>
    public const int MaxImages = 40;

    /// <summary>Images per grid row.</summary>
    public const int PerRow = 8;

    /// <summary>Pixels per image pixel.</summary>
    public const double Scale = 4;

    /// <summary>
    /// The first <see cref="MaxImages"/> rows whose <paramref name="predicted"/> label differs from <paramref name="truth"/>,
    /// with their image from <paramref name="images"/> (one feature vector of <paramref name="shape"/>, C×H×W, per row, read
    /// only as far as needed), shown in gray: the mean over the channels, stretched to 0–1 when the features are not
    /// already there (normalized inputs).
    /// </summary>
    public static IReadOnlyList<Misclassified> Select(IEnumerable<float[]> images, ImageShape shape, IReadOnlyList<string> truth, IReadOnlyList<string> predicted)
    {
        var (rows, columns) = ((int)shape.Spatial[0], (int)shape.Spatial[1]);
        var wrong = new List<Misclassified>();
        using var features = images.GetEnumerator();
        for (var i = 0; i < truth.Count && wrong.Count < MaxImages && features.MoveNext(); i++)
        {
            if (truth[i] == predicted[i]) continue;
            wrong.Add(new Misclassified(GrayImage.FromFeatures(features.Current, shape), rows, columns, truth[i], predicted[i]));
        }
        return wrong;
    }

    /// <summary>Writes the grid into <paramref name="folder"/>; writes nothing and returns null when no image was misclassified.</summary>
    public static string? Write(PlotFolder folder, IReadOnlyList<Misclassified> images, int testImages, int misclassifiedTotal, string title)
    {
        if (images.Count == 0) return null;
        var tiles = images.Select(m => new GridTile(GrayImage.ToMatrix(m.Pixels, m.Rows, m.Columns), $"true {m.Truth}, pred {m.Predicted}")).ToList();
        var heading = $"Misclassified: {misclassifiedTotal:N0} of {testImages:N0} test images · {title}" +
                      (misclassifiedTotal > images.Count ? $" (first {images.Count})" : "");
        // MNIST's own colors: white ink on black.
        var (plot, width, height) = ImageGrid.Create(heading, tiles, PerRow, Scale, OxyPalettes.Gray(256), 0, 1, minimumWidth: 640);
        return folder.Save(plot, FileName, width, height);
    }
}
