using CnnMl.Abstractions;
using Microsoft.ML.Data;

namespace CnnMl.Data;

/// <summary>
/// What an image column's own dimensions (<see cref="VectorDataViewType.Dimensions"/>, as <c>ExtractPixels</c>
/// sets them: C×H×W, or H×W×C with <c>interleavePixelColors: true</c>) say about the input shape. A flat
/// vector (one dimension) says nothing. Channels last is refused with the call that makes channels first;
/// with one channel the two layouts are the same values in the same order, so it is accepted.
/// </summary>
internal static class ColumnDimensions
{
    // ExtractPixels makes 1 to 4 planes (alpha, red, green, blue).
    private const int MaxPlanes = 4;

    /// <summary>The channels-first shape the column's dimensions describe, or null when it has fewer than two.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The dimensions are channels last with more than one channel.</exception>
    public static ImageShape? ShapeOf(string column, VectorDataViewType vector, string architecture)
    {
        var dims = vector.Dimensions.Select(d => (long)d).ToArray();
        if (dims.Length < 2 || dims.Any(d => d < 1)) return null;
        if (dims.Length == 2) return new ImageShape([1, .. dims]);
        var looksChannelsLast = dims[^1] <= MaxPlanes && dims[0] > MaxPlanes;
        if (!looksChannelsLast) return new ImageShape(dims);
        var channelsFirst = new ImageShape([dims[^1], .. dims[..^1]]);
        if (channelsFirst.Channels == 1) return channelsFirst;
        throw ChannelsLast(column, vector, architecture, channelsFirst);
    }

    /// <summary>Requires the column's dimensions, when it has them, to describe <paramref name="expected"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">They describe another shape or another layout.</exception>
    public static void Check(string column, VectorDataViewType vector, string architecture, ImageShape expected)
    {
        var dims = vector.Dimensions.Select(d => (long)d).ToArray();
        if (dims.Length < 2) return;
        var expectedDims = expected.Dimensions.ToArray();
        var spatial = expected.Spatial.ToArray();
        if (dims.AsSpan().SequenceEqual(expectedDims)) return;
        long[] channelsLast = [.. spatial, expected.Channels];
        if (expected.Channels == 1 && (dims.AsSpan().SequenceEqual(spatial) || dims.AsSpan().SequenceEqual(channelsLast))) return;
        if (dims.AsSpan().SequenceEqual(channelsLast)) throw ChannelsLast(column, vector, architecture, expected);
        throw new ArgumentOutOfRangeException(nameof(vector),
            $"Image column '{column}' is {vector}: {string.Join("x", dims)}, but architecture '{architecture}' is set up for {expected} (channels first). " +
            $"Set CnnTrainerOptions.ImageShape to the column's shape, or leave it unset to take the shape from the column.");
    }

    private static ArgumentOutOfRangeException ChannelsLast(string column, VectorDataViewType vector, string architecture, ImageShape channelsFirst) => new(nameof(vector),
        $"Image column '{column}' is {vector}: height × width × channels (channels last), as ExtractPixels(interleavePixelColors: true) makes it; " +
        $"architecture '{architecture}' reads channels first ({channelsFirst}). Extract the pixels with " +
        $"mlContext.Transforms.ExtractPixels(\"{column}\", <image column>, interleavePixelColors: false), the default.");
}
