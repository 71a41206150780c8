namespace CnnMl.Demo.Plots;

/// <summary>A network's input features (C×H×W, channels first) as one gray picture to show.</summary>
internal static class GrayImage
{
    /// <summary>
    /// The mean over the channels of <paramref name="features"/>, row by row (H·W values), stretched to 0–1 when the
    /// values are not already there (normalized inputs).
    /// </summary>
    public static float[] FromFeatures(IReadOnlyList<float> features, ImageShape shape)
    {
        var (channels, size) = ((int)shape.Channels, (int)(shape.Spatial[0] * shape.Spatial[1]));
        if (features.Count != channels * size)
            throw new ArgumentException($"An image of {shape} has {channels * size} values; this one has {features.Count}.", nameof(features));
        var image = new float[size];
        for (var c = 0; c < channels; c++)
        {
            for (var p = 0; p < size; p++) image[p] += features[c * size + p] / channels;
        }
        var (min, max) = (image.Min(), image.Max());
        if ((min < 0 || max > 1) && max > min)
        {
            for (var p = 0; p < size; p++) image[p] = (image[p] - min) / (max - min);
        }
        return image;
    }

    /// <summary><paramref name="pixels"/> (row by row) as a [row, column] matrix of <paramref name="rows"/> × <paramref name="columns"/>.</summary>
    public static float[,] ToMatrix(IReadOnlyList<float> pixels, int rows, int columns)
    {
        var matrix = new float[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++) matrix[r, c] = pixels[r * columns + c];
        }
        return matrix;
    }
}
