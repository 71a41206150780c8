namespace CnnMl.Architectures;

/// <summary>Checks an input shape against what a network can take, with messages that say what to change.</summary>
internal static class ShapeGuard
{
    /// <summary>Requires exactly <paramref name="spatialRank"/> spatial dimensions.</summary>
    public static void RequireSpatialRank(string architecture, ImageShape input, int spatialRank)
    {
        if (input.SpatialRank != spatialRank)
        {
            var expected = spatialRank == 2 ? "CxHxW (an image)" : spatialRank == 3 ? "CxDxHxW (a volume)" : $"{spatialRank} spatial dimensions";
            throw new ArgumentException(
                $"Architecture '{architecture}' takes {expected} input; got {input} ({input.SpatialRank} spatial dimension(s)).",
                nameof(input));
        }
    }

    /// <summary>Requires a spatial size that survives the network's downsampling.</summary>
    public static void RequireAtLeast(string architecture, ImageShape input, long minimum, string why)
    {
        foreach (var size in input.Spatial)
        {
            if (size < minimum)
                throw new ArgumentException(
                    $"Architecture '{architecture}' cannot take input {input}: every spatial size must be at least {minimum} ({why}); got {size}.",
                    nameof(input));
        }
    }

    /// <summary>Requires a minimum size per spatial axis (e.g. depth and height/width of a volume differ).</summary>
    public static void RequireAtLeast(string architecture, ImageShape input, IReadOnlyList<long> minimum, string why)
    {
        for (var axis = 0; axis < input.SpatialRank && axis < minimum.Count; axis++)
        {
            if (input.Spatial[axis] < minimum[axis])
                throw new ArgumentException(
                    $"Architecture '{architecture}' cannot take input {input}: the spatial sizes must be at least {string.Join("x", minimum)} ({why}); got {input.Spatial[axis]} on axis {axis + 1}.",
                    nameof(input));
        }
    }
}
