namespace CnnMl.Demo.Commands.Bench;

/// <summary>
/// Runs the sides of a comparison in turn, <c>repeats</c> times each, the first side rotating (A B, B A, … for two;
/// A B C, B C A, C A B, … for three), so that a machine that drifts (other jobs starting, clocks throttling) weighs on
/// every side alike.
/// </summary>
internal static class Interleaved
{
    /// <summary>The values of each side, in the order taken.</summary>
    public static (Measurement A, Measurement B) Run(int repeats, string unit, Func<double> a, Func<double> b)
    {
        var sides = Run(repeats, unit, [a, b]);
        return (sides[0], sides[1]);
    }

    /// <summary>The values of each of <paramref name="sides"/>, in the order taken.</summary>
    public static Measurement[] Run(int repeats, string unit, IReadOnlyList<Func<double>> sides)
    {
        var values = sides.Select(_ => new List<double>(repeats)).ToArray();
        for (var r = 0; r < repeats; r++)
        {
            for (var k = 0; k < sides.Count; k++)
            {
                // Two sides alternate A B, B A; more rotate which goes first.
                var side = sides.Count == 2 && r % 2 == 1 ? 1 - k : (r + k) % sides.Count;
                values[side].Add(sides[side]());
            }
        }
        return values.Select(v => new Measurement(unit, v)).ToArray();
    }
}
