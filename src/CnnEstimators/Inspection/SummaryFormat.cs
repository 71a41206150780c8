using System.Globalization;

namespace CnnMl.Inspection;

/// <summary>Number and shape formatting shared by the summary's table and trace.</summary>
internal static class SummaryFormat
{
    /// <summary>Placeholder for "nothing here" (a container's parameters, an unobserved shape).</summary>
    public const string None = "--";

    /// <summary>"[1, 64, 56, 56]", or <see cref="None"/> for a null shape.</summary>
    public static string Shape(IReadOnlyList<long>? shape) =>
        shape is null ? None : "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>"11,689,512" (invariant culture, so output does not depend on the machine's locale).</summary>
    public static string Thousands(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"1.81 G", "10.38 M", "61.71 k", "12": two decimals in the largest unit that keeps the value ≥ 1.</summary>
    public static string Scaled(double value)
    {
        var (divisor, unit) = Math.Abs(value) switch
        {
            >= 1e12 => (1e12, " T"),
            >= 1e9 => (1e9, " G"),
            >= 1e6 => (1e6, " M"),
            >= 1e3 => (1e3, " k"),
            _ => (1.0, ""),
        };
        return divisor == 1.0
            ? value.ToString("0", CultureInfo.InvariantCulture)
            : (value / divisor).ToString("0.00", CultureInfo.InvariantCulture) + unit;
    }
}
