using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Runtime;

/// <summary>What the oneDNN probe found for one convolution configuration.</summary>
/// <param name="Configuration">The configuration probed.</param>
/// <param name="OutputError">Largest |float32 oneDNN − float64| of the forward output, relative to the largest |float64| value.</param>
/// <param name="InputGradientError">The same for the input's gradient; null when the configuration needs none.</param>
/// <param name="WeightGradientError">The same for the weight's gradient.</param>
/// <param name="Seconds">Time the probe took.</param>
internal sealed record OneDnnProbeResult(ConvolutionConfiguration Configuration, double OutputError, double? InputGradientError,
    double WeightGradientError, double Seconds)
{
    /// <summary>Whether the forward pass with oneDNN agrees with float64 (NaN counts as wrong).</summary>
    public bool ForwardRight => OutputError <= OneDnnProbe.Tolerance;

    /// <summary>Whether the backward pass with oneDNN agrees with float64 (NaN counts as wrong).</summary>
    public bool BackwardRight => WeightGradientError <= OneDnnProbe.Tolerance && (InputGradientError is not { } e || e <= OneDnnProbe.Tolerance);

    /// <summary>Both passes agree.</summary>
    public bool Right => ForwardRight && BackwardRight;

    /// <summary>The errors, for the training log.</summary>
    public string Errors => string.Create(CultureInfo.InvariantCulture,
        $"output {OutputError:G2}, {(InputGradientError is { } e ? $"input gradient {e:G2}, " : "")}weight gradient {WeightGradientError:G2} (relative to float64; tolerance {OneDnnProbe.Tolerance:G1})");
}

/// <summary>
/// Decides by measurement, per convolution configuration, whether libtorch's oneDNN kernels compute it correctly on
/// this machine: one forward and backward pass in float32 with oneDNN on, compared with the same pass in float64
/// (which oneDNN never runs, so it is libtorch's native reference). Results are kept for the life of the process.
/// </summary>
/// <remarks>
/// Why: libtorch 2.10's oneDNN convolution backward has returned wrong input gradients (sometimes NaN) on one
/// AVX-512 machine for channel counts that are not a multiple of the SIMD block, and right ones on another machine
/// for 300 random configurations; on an AMD EPYC (Zen 5) forward and backward were wrong for about one 3×3
/// configuration in three to five. Turning oneDNN off by a fixed rule costs 7–8× on small networks where the defect
/// does not occur; measuring costs a few milliseconds per configuration, once.
/// </remarks>
internal static class OneDnnProbe
{
    /// <summary>
    /// Largest accepted relative error. A correct float32 convolution is off by about 1e-6 here; the defect gives
    /// errors of order 1 or NaN.
    /// </summary>
    public const double Tolerance = 1e-3;

    /// <summary>
    /// Passes of the float32 computation per configuration; the worst counts. On an AMD EPYC (Zen 5, AVX-512) the defective
    /// kernels were mostly wrong on every pass, but for one configuration (8 → 8 channels, 3×3, batch 16, 14×14) right on
    /// the first one or two executions in a fresh process and wrong on later ones — those of the cached primitive that
    /// training reuses. One pass would have let it through.
    /// </summary>
    public const int Passes = 4;

    private const ulong ProbeSeed = 20_261_128;

    private static readonly ConcurrentDictionary<ConvolutionConfiguration, Lazy<OneDnnProbeResult>> Results = new();

    /// <summary>
    /// What measures one configuration. Tests replace it to inject a wrong-gradient result; production code never does.
    /// </summary>
    internal static Func<ConvolutionConfiguration, OneDnnProbeResult> Measure { get; set; } = MeasureAgainstFloat64;

    /// <summary>Configurations measured so far in this process.</summary>
    public static int Measured => Results.Count;

    /// <summary>The result for <paramref name="configuration"/>: measured the first time, then from the cache.</summary>
    public static OneDnnProbeResult Check(ConvolutionConfiguration configuration)
    {
        var entry = Results.GetOrAdd(configuration, c => new Lazy<OneDnnProbeResult>(() => Measure(c)));
        try
        {
            return entry.Value;
        }
        catch
        {
            // A failed measurement (out of memory, say) is not a verdict: forget it so the next call measures again.
            Results.TryRemove(KeyValuePair.Create(configuration, entry));
            throw;
        }
    }

    /// <summary>Whether <paramref name="configuration"/> has been measured already.</summary>
    public static bool IsKnown(ConvolutionConfiguration configuration) => Results.ContainsKey(configuration);

    /// <summary>Forgets every result, so a test can inject its own and then recover.</summary>
    internal static void ResetForTesting() => Results.Clear();

    /// <summary>
    /// The probe: random input, weight, bias and output gradient (a private generator: libtorch's default generator,
    /// which seeds training, is not touched), float32 with oneDNN on (<see cref="Passes"/> times, the worst counting)
    /// against float64.
    /// </summary>
    internal static OneDnnProbeResult MeasureAgainstFloat64(ConvolutionConfiguration configuration) => MeasureAgainstFloat64(configuration, null);

    /// <summary>The probe, with the float32 computation to check given.</summary>
    /// <param name="configuration">What to probe.</param>
    /// <param name="float32Convolution">The float32 computation to check (tests pass a deliberately wrong one); null: the configuration's own convolution with oneDNN on.</param>
    internal static OneDnnProbeResult MeasureAgainstFloat64(ConvolutionConfiguration configuration, Func<Tensor, Tensor, Tensor?, Tensor>? float32Convolution)
    {
        TorchRuntime.EnsureAvailable();
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        using var generator = new Generator(ProbeSeed);
        var fanIn = configuration.Weight.Skip(1).Aggregate(1L, (a, b) => a * b);
        var x = randn(configuration.Input, float32, generator: generator);
        var w = randn(configuration.Weight, float32, generator: generator).div_(Math.Sqrt(fanIn));
        var b = configuration.HasBias ? randn([configuration.OutputChannels], float32, generator: generator) : null;

        var runs32 = OneDnnLayerSwitch.WithOneDnnOn(() =>
        {
            var first = Pass(configuration, x, w, b, float32Convolution ?? configuration.Convolve, generator);
            var runs = new List<((Tensor Output, Tensor Gradient), Tensor[])> { first };
            for (var pass = 1; pass < Passes; pass++)
                runs.Add(Pass(configuration, x, w, b, float32Convolution ?? configuration.Convolve, null, first.Item1.Gradient));
            return runs;
        });
        var outputGradient = runs32[0].Item1.Gradient;
        var (y64, grads64) = Pass(configuration, x.to(float64), w.to(float64), b?.to(float64), configuration.Convolve, null, outputGradient);

        double outputError = 0, weightError = 0;
        double? inputError = configuration.NeedsInputGradient ? 0 : null;
        foreach (var (y32, grads32) in runs32)
        {
            outputError = Worst(outputError, RelativeError(y32.Output, y64.Output));
            weightError = Worst(weightError, RelativeError(grads32[^1], grads64[^1]));
            if (inputError is { } e) inputError = Worst(e, RelativeError(grads32[0], grads64[0]));
        }
        return new OneDnnProbeResult(configuration, outputError, inputError, weightError, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The larger error; NaN (a NaN in the result) is the worst.</summary>
    private static double Worst(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b);

    private static ((Tensor Output, Tensor Gradient), Tensor[]) Pass(ConvolutionConfiguration configuration, Tensor x, Tensor w, Tensor? b,
        Func<Tensor, Tensor, Tensor?, Tensor> convolve, Generator? generator, Tensor? outputGradient = null)
    {
        x = x.detach().requires_grad_(configuration.NeedsInputGradient);
        w = w.detach().requires_grad_(true);
        b = b?.detach().requires_grad_(true);
        var y = convolve(x, w, b);
        var g = outputGradient is null ? randn(y.shape, float32, generator: generator) : outputGradient.to(y.dtype);
        Tensor[] inputs = configuration.NeedsInputGradient ? [x, w] : [w];
        var grads = torch.autograd.grad([y], inputs, [g]).ToArray();
        return ((y.detach(), g), grads);
    }

    /// <summary>max |a − reference| / max |reference|, in float64; NaN if <paramref name="a"/> has a NaN.</summary>
    private static double RelativeError(Tensor a, Tensor reference)
    {
        var r = reference.to(float64);
        var difference = (a.to(float64) - r).abs().max().item<double>();
        var scale = Math.Max(r.abs().max().item<double>(), double.Epsilon);
        return difference / scale;
    }
}
