namespace CnnMl.Demo.Benchmarks;

/// <summary>
/// Runs two sides of a comparison alternately, <c>repeats</c> times each, in the order A B, B A, A B, …, so that a
/// machine that drifts (other jobs starting, clocks throttling) weighs on both sides alike.
/// </summary>
internal static class Interleaved
{
    /// <summary>The values of each side, in the order taken.</summary>
    public static (Measurement A, Measurement B) Run(int repeats, string unit, Func<double> a, Func<double> b)
    {
        var first = new List<double>(repeats);
        var second = new List<double>(repeats);
        for (var r = 0; r < repeats; r++)
        {
            if (r % 2 == 0)
            {
                first.Add(a());
                second.Add(b());
            }
            else
            {
                second.Add(b());
                first.Add(a());
            }
        }
        return (new Measurement(unit, first), new Measurement(unit, second));
    }
}
