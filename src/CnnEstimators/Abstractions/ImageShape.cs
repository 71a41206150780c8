using System.Globalization;

namespace CnnMl.Abstractions;

/// <summary>
/// The shape of one input example without the batch dimension: channels first, then the spatial
/// dimensions — C×H×W for an image, C×D×H×W for a volume or clip. Immutable, compared by value.
/// </summary>
public sealed class ImageShape : IEquatable<ImageShape>
{
    private readonly long[] _dimensions;

    /// <summary>Creates a shape from channels and spatial sizes, e.g. <c>new ImageShape(1, 28, 28)</c>.</summary>
    /// <exception cref="ArgumentException">Fewer than two dimensions, or a dimension below 1.</exception>
    public ImageShape(params long[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        if (dimensions.Length < 2)
            throw new ArgumentException(
                $"An image shape needs channels and at least one spatial dimension; got [{string.Join(", ", dimensions)}].",
                nameof(dimensions));
        for (var i = 0; i < dimensions.Length; i++)
        {
            if (dimensions[i] < 1)
                throw new ArgumentException(
                    $"Dimension {i} of image shape [{string.Join(", ", dimensions)}] is {dimensions[i]}; every dimension must be at least 1.",
                    nameof(dimensions));
        }
        _dimensions = (long[])dimensions.Clone();
    }

    /// <summary>All dimensions, channels first.</summary>
    public IReadOnlyList<long> Dimensions => _dimensions;

    /// <summary>Number of channels (the first dimension).</summary>
    public long Channels => _dimensions[0];

    /// <summary>The spatial dimensions (everything after the channels).</summary>
    public IReadOnlyList<long> Spatial => _dimensions[1..];

    /// <summary>Number of spatial dimensions: 2 for images, 3 for volumes.</summary>
    public int SpatialRank => _dimensions.Length - 1;

    /// <summary>Number of values in one example: the product of all dimensions.</summary>
    public long ElementCount => _dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>The tensor shape of a batch of <paramref name="batchSize"/> examples.</summary>
    public long[] WithBatch(long batchSize) => [batchSize, .. _dimensions];

    /// <summary>Parses "1x28x28" (also accepts '×', ',' or ' ' as separators).</summary>
    /// <exception cref="FormatException">The text is not a list of positive integers.</exception>
    public static ImageShape Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(['x', 'X', '×', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var dims = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) || dims[i] < 1)
                throw new FormatException($"Input shape '{text}' is not of the form CxHxW (e.g. 1x28x28 or 1x16x28x28): '{parts[i]}' is not a positive integer.");
        }
        if (dims.Length < 2)
            throw new FormatException($"Input shape '{text}' needs channels and at least one spatial dimension (e.g. 1x28x28).");
        return new ImageShape(dims);
    }

    /// <summary>"1x28x28".</summary>
    public override string ToString() => string.Join("x", _dimensions);

    /// <inheritdoc />
    public bool Equals(ImageShape? other) => other is not null && _dimensions.AsSpan().SequenceEqual(other._dimensions);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ImageShape);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var d in _dimensions) hash.Add(d);
        return hash.ToHashCode();
    }
}
