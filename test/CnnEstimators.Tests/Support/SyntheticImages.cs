using CnnMl.Data;
using Microsoft.ML;

namespace CnnMl.Tests.Support;

/// <summary>
/// Small learnable image sets for unit tests: class c is a bright 4×4 square at a class-specific place
/// on a noisy background, so a CNN separates them within one short epoch.
/// </summary>
internal static class SyntheticImages
{
    /// <param name="count">Images.</param>
    /// <param name="classes">Classes; image i shows class i mod classes.</param>
    /// <param name="size">Height and width.</param>
    /// <param name="seed">Seed of the background noise.</param>
    /// <param name="names">Class names (key values); default class0, class1, ….</param>
    /// <param name="relabel">Label stored for an image of each class (default: the class itself), to build deliberately wrong labels.</param>
    public static IDataView Create(int count, int classes = 4, int size = 28, int seed = 7, IReadOnlyList<string>? names = null, Func<int, int>? relabel = null)
    {
        var random = new Random(seed);
        var pixels = new byte[count * size * size];
        var labels = new byte[count];
        for (var i = 0; i < count; i++)
        {
            var label = i % classes;
            labels[i] = (byte)(relabel?.Invoke(label) ?? label);
            var image = pixels.AsSpan(i * size * size, size * size);
            for (var p = 0; p < image.Length; p++) image[p] = (byte)random.Next(0, 60);
            var row = 2 + (label * 7) % (size - 6);
            var col = 2 + (label * 11) % (size - 6);
            for (var r = 0; r < 4; r++)
                for (var c = 0; c < 4; c++)
                    image[(row + r) * size + col + c] = 255;
        }
        names ??= Enumerable.Range(0, classes).Select(c => $"class{c}").ToArray();
        return new LabeledImageDataView(pixels, labels, size * size, names);
    }
}
