using System.Diagnostics;
using static TorchSharp.torch;

namespace CnnMl.Demo.Commands.Bench;

/// <summary>The machine's float32 matrix-multiply rate through libtorch: the ceiling every convolution is lowered to.</summary>
internal static class GemmRate
{
    /// <summary>GFLOP/s of n×n by n×n products (2n³ floating-point operations each), one value per repeat.</summary>
    public static Measurement Measure(int n, int repeats)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var a = randn([n, n], generator: generator);
        var b = randn([n, n], generator: generator);
        a.mm(b).Dispose(); // warm-up: the first call sizes libtorch's buffers and thread pool
        var values = new List<double>(repeats);
        for (var r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            using (a.mm(b)) values.Add(2.0 * n * n * n / clock.Elapsed.TotalSeconds / 1e9);
        }
        return new Measurement("GFLOP/s", values);
    }
}
