using System.Globalization;
using System.Text;
using CnnMl.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// <see cref="OneDnnMode.Auto"/> for one network: finds the layers where convolutions happen, has the oneDNN probe
/// check each distinct configuration they run (shape and batch, groups, stride, padding, dilation, threads), and
/// hooks each layer where oneDNN got a configuration wrong so that it runs that pass — forward or backward — without
/// oneDNN, while every other layer keeps it, unhooked. Disposing removes the hooks.
/// </summary>
/// <remarks>
/// The configurations for the batch sizes training will use are probed when the policy is installed, before the
/// clock starts, so the log can say what was decided. That covers every configuration of a training run: the full
/// and the last batch, at the run's fixed thread count, with the gradients the unfrozen network needs (a frozen
/// backbone needs fewer: its forward pass is the same, its backward does not run). A hooked layer probes a
/// configuration met later (another batch size or thread count) when it first runs. Layers found right are not
/// hooked at all: a hook costs every forward pass a few native calls (`cnnml bench`, estimator ÷ raw loop for the
/// seed CNN at batch 64: 0.941–0.945 with every layer hooked, 0.969–1.014 with only wrong layers hooked).
/// </remarks>
internal sealed class OneDnnLayerPolicy : IDisposable
{
    private readonly List<ConvolutionSite> _sites;
    private readonly List<Action> _removeHooks = [];

    private OneDnnLayerPolicy(List<ConvolutionSite> sites) => _sites = sites;

    /// <summary>The probe results met so far, per layer name (distinct configurations only).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<OneDnnProbeResult>> Results =>
        _sites.ToDictionary(s => s.Name, s => (IReadOnlyList<OneDnnProbeResult>)s.Results.Values.Distinct().ToList());

    /// <summary>Layers that have avoided oneDNN in at least one pass so far, in network order.</summary>
    public IReadOnlyList<string> AffectedLayers => _sites.Where(s => s.Results.Values.Any(r => !r.Right)).Select(s => s.Name).ToList();

    /// <summary>One paragraph for the training log: what was probed, what was found, what runs without oneDNN.</summary>
    public string Description { get; private set; } = "";

    /// <summary>
    /// The policy for a training run, or null when there is nothing to decide: a forced <see cref="OneDnnMode"/>,
    /// oneDNN off or unavailable, or a device other than the CPU (oneDNN is a CPU library).
    /// </summary>
    public static OneDnnLayerPolicy? ForTraining(OneDnnMode mode, bool oneDnnEnabled, Device device, nn.Module<Tensor, Tensor> module,
        ImageShape shape, long examples, int batchSize)
    {
        if (mode != OneDnnMode.Auto || !oneDnnEnabled || device.type != DeviceType.CPU) return null;
        var full = Math.Min(batchSize, examples);
        long[] batches = examples % full == 0 ? [full] : [full, examples % full];
        return Install(module, shape, batches);
    }

    /// <summary>
    /// Probes the convolutions of <paramref name="module"/> for inputs of <paramref name="shape"/> in batches of
    /// <paramref name="batchSizes"/>, and installs the hooks.
    /// </summary>
    /// <exception cref="InvalidOperationException">The network could not run a one-image forward pass to find its layers' input shapes.</exception>
    public static OneDnnLayerPolicy Install(nn.Module<Tensor, Tensor> module, ImageShape shape, IEnumerable<long> batchSizes)
    {
        var sites = FindSites(module);
        var policy = new OneDnnLayerPolicy(sites);
        var started = OneDnnProbe.Measured;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (site, input, needsInputGradient) in InputsOfOneImage(module, sites, shape))
        {
            foreach (var batch in batchSizes.Distinct())
            {
                var configuration = site.Configuration(input.Prepend(batch).ToArray(), needsInputGradient);
                site.Remember(configuration, OneDnnProbe.Check(configuration));
            }
        }
        // Only layers with a wrong configuration are hooked: a hook on every layer costs each forward pass a few
        // native calls, and the configurations a training run meets (full and last batch) are all probed above.
        foreach (var site in sites.Where(s => s.Results.Values.Any(r => !r.Right))) policy._removeHooks.AddRange(site.Hook());
        policy.Description = policy.Describe(OneDnnProbe.Measured - started, clock.Elapsed.TotalSeconds);
        return policy;
    }

    /// <summary>Removes the hooks and lets go of any hold a failed forward pass left behind.</summary>
    public void Dispose()
    {
        foreach (var remove in _removeHooks) remove();
        _removeHooks.Clear();
        foreach (var site in _sites) site.ReleaseForwardHold();
    }

    private string Describe(int measuredNow, double seconds)
    {
        var results = _sites.SelectMany(s => s.Results.Values).Distinct().ToList();
        var threads = torch.get_num_threads();
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"oneDNN probe: {results.Count} convolution configuration(s) in {_sites.Count} layer(s) at {threads} thread(s) ({measuredNow} measured now in {seconds:0.00} s, the rest known from earlier in this process); "));
        var wrong = _sites.Where(s => s.Results.Values.Any(r => !r.Right)).ToList();
        if (results.Count == 0)
        {
            text.Append("the network has no convolution layers; oneDNN stays on.");
            return text.ToString();
        }
        if (wrong.Count == 0)
        {
            text.Append(string.Create(CultureInfo.InvariantCulture,
                $"oneDNN's float32 forward and backward passes match float64 for all of them (largest relative error {results.Max(r => Math.Max(r.OutputError, Math.Max(r.WeightGradientError, r.InputGradientError ?? 0))):G2}), so oneDNN stays on everywhere."));
            return text.ToString();
        }
        text.Append(string.Create(CultureInfo.InvariantCulture, $"oneDNN is wrong in {wrong.Count} layer(s), which run those passes without oneDNN (oneDNN stays on elsewhere): "));
        text.AppendJoin("; ", wrong.Select(s =>
        {
            var bad = s.Results.Values.First(r => !r.Right);
            var passes = (bad.ForwardRight, bad.BackwardRight) switch
            {
                (false, false) => "forward and backward",
                (false, true) => "forward",
                _ => "backward",
            };
            return $"'{s.Name}' {passes} ({bad.Configuration.Description}: {bad.Errors})";
        }));
        text.Append('.');
        return text.ToString();
    }

    /// <summary>Every module where a convolution is computed: convolution modules that run their own forward, and <see cref="IRunsOwnConvolution"/> modules.</summary>
    private static List<ConvolutionSite> FindSites(nn.Module module)
    {
        var tree = module.named_modules().Prepend(("", module)).ToList();
        var computedByParent = tree.Select(m => m.Item2).OfType<IRunsOwnConvolution>().Select(m => m.Convolution).ToHashSet(ReferenceEqualityComparer.Instance);
        var sites = new List<ConvolutionSite>();
        foreach (var (name, child) in tree)
        {
            if (child is IRunsOwnConvolution owner && child is nn.Module<Tensor, Tensor> ownerModule)
                sites.Add(new ConvolutionSite(name.Length == 0 ? "(network)" : name, ownerModule, owner.Convolution, ownsWholeGraph: true));
            else if (child is Convolution { transposed: false } convolution && !computedByParent.Contains(convolution))
                sites.Add(new ConvolutionSite(name, convolution, convolution, ownsWholeGraph: false));
        }
        return sites;
    }

    /// <summary>
    /// The input shape (without batch) each site sees, and whether its input needs a gradient, from one forward
    /// pass of a single zero image in eval mode (no batch-norm statistics change, no randomness used).
    /// </summary>
    private static List<(ConvolutionSite Site, long[] Input, bool NeedsInputGradient)> InputsOfOneImage(
        nn.Module<Tensor, Tensor> module, List<ConvolutionSite> sites, ImageShape shape)
    {
        var seen = new List<(ConvolutionSite, long[], bool)>();
        var hooks = sites.Select(site => site.Module.register_forward_hook((_, input, _) =>
        {
            seen.Add((site, input.shape[1..], input.requires_grad || site.OwnsWholeGraph));
            return null!;
        })).ToList();
        var training = module.training;
        try
        {
            module.eval();
            using var scope = NewDisposeScope();
            using var grad = enable_grad();
            var parameter = module.parameters().FirstOrDefault();
            module.call(zeros(shape.WithBatch(1), parameter?.dtype ?? float32, parameter?.device));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"The oneDNN probe could not run one {shape} image through the network to find its convolutions' input shapes: {ex.Message} Set OneDnn to On or Off to skip the probe.", ex);
        }
        finally
        {
            foreach (var hook in hooks) hook.remove();
            module.train(training);
        }
        return seen.DistinctBy(s => (s.Item1, string.Join('x', s.Item2), s.Item3)).ToList();
    }

    /// <summary>One module where a convolution is computed, with the probe results for the configurations it ran.</summary>
    private sealed class ConvolutionSite(string name, nn.Module<Tensor, Tensor> module, Convolution convolution, bool ownsWholeGraph)
    {
        private OneDnnProbeResult? _pending;
        private bool _holdingForward;
        private (long[] Input, bool NeedsInputGradient, int Threads, OneDnnProbeResult Result)? _last;

        public string Name { get; } = name;

        public nn.Module<Tensor, Tensor> Module { get; } = module;

        /// <summary>True when the module computes more than the convolution (the whole module then avoids oneDNN).</summary>
        public bool OwnsWholeGraph { get; } = ownsWholeGraph;

        public Dictionary<ConvolutionConfiguration, OneDnnProbeResult> Results { get; } = [];

        public ConvolutionConfiguration Configuration(long[] input, bool needsInputGradient) =>
            ConvolutionConfiguration.Of(convolution, input, needsInputGradient);

        public void Remember(ConvolutionConfiguration configuration, OneDnnProbeResult result)
        {
            lock (Results) Results[configuration] = result;
        }

        /// <summary>Installs the hooks; returns what removes them.</summary>
        public IEnumerable<Action> Hook()
        {
            var pre = Module.register_forward_pre_hook((_, input) =>
            {
                _pending = null;
                if (!is_grad_enabled()) return null!;
                _pending = ResultFor(input);
                if (!_pending.ForwardRight)
                {
                    OneDnnLayerSwitch.HoldOff();
                    _holdingForward = true;
                }
                return null!;
            });
            yield return pre.remove;
            var post = Module.register_forward_hook((_, input, output) =>
            {
                var result = _pending;
                _pending = null;
                ReleaseForwardHold();
                if (result is null || result.BackwardRight || !output.requires_grad) return null!;
                var parameters = (OwnsWholeGraph ? Module.parameters() : convolution.parameters()).Where(p => p.requires_grad).ToArray();
                return OneDnnOffBackward.Wrap(output, input, parameters);
            });
            yield return post.remove;
        }

        public void ReleaseForwardHold()
        {
            if (!_holdingForward) return;
            _holdingForward = false;
            OneDnnLayerSwitch.Release();
        }

        /// <summary>The verdict for this call's input: the last one when nothing changed (the common case), else from the probe.</summary>
        private OneDnnProbeResult ResultFor(Tensor input)
        {
            var needsInputGradient = input.requires_grad || OwnsWholeGraph;
            var threads = torch.get_num_threads();
            if (_last is { } last && last.NeedsInputGradient == needsInputGradient && last.Threads == threads && input.shape.AsSpan().SequenceEqual(last.Input))
                return last.Result;
            var configuration = Configuration(input.shape, needsInputGradient);
            var result = OneDnnProbe.Check(configuration);
            Remember(configuration, result);
            _last = (input.shape, needsInputGradient, threads, result);
            return result;
        }
    }
}
