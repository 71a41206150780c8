namespace CnnMl.Demo.Commands.Bench;

/// <summary>Repeated measurements of one quantity: the values in the order taken, their median, minimum and maximum.</summary>
internal sealed record Measurement(string Unit, IReadOnlyList<double> Values)
{
    /// <summary>The median (mean of the middle two for an even count); NaN when empty.</summary>
    public double Median => MedianOf(Values);

    /// <summary>Smallest value.</summary>
    public double Min => Values.Count == 0 ? double.NaN : Values.Min();

    /// <summary>Largest value.</summary>
    public double Max => Values.Count == 0 ? double.NaN : Values.Max();

    /// <summary>Median of <paramref name="values"/>; NaN when empty.</summary>
    public static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The <paramref name="p"/>-th percentile (0–100) by linear interpolation between closest ranks.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var rank = p / 100 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (rank - low) * (sorted[high] - sorted[low]);
    }
}
