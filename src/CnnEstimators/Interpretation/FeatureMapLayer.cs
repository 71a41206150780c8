using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Interpretation;

/// <summary>A layer of a network whose output is a feature map (N, C, H, W), as one forward pass meets it.</summary>
/// <param name="Path">The layer's path in the module tree (<c>conv3</c>, <c>layer4.1</c>).</param>
/// <param name="Module">The layer.</param>
/// <param name="Channels">C of its output.</param>
/// <param name="Height">H of its output.</param>
/// <param name="Width">W of its output.</param>
internal sealed record FeatureMapLayer(string Path, nn.Module<Tensor, Tensor> Module, long Channels, long Height, long Width)
{
    /// <summary>
    /// The layers with a 4-D output, in the order their calls finish in one forward pass of a zero image (a container
    /// after its last child); a layer called more than once is listed at its last call. Only layers invoked through
    /// <c>call()</c> are seen: hooks cannot see a child whose parent runs its <c>forward</c> directly.
    /// </summary>
    public static IReadOnlyList<FeatureMapLayer> Probe(nn.Module<Tensor, Tensor> model, ImageShape input, Device device, string name)
    {
        var tree = new List<(nn.Module Module, string Path)> { (model, "") };
        var seen = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance) { model };
        foreach (var (path, module) in model.named_modules())
        {
            if (seen.Add(module)) tree.Add((module, path));
        }

        var found = new List<FeatureMapLayer>();
        var removers = new List<Action>();
        var modes = tree.Select(t => t.Module.training).ToArray();
        var thread = Environment.CurrentManagedThreadId;
        try
        {
            foreach (var (module, path) in tree)
            {
                if (module is not nn.Module<Tensor, Tensor> hookable || path.Length == 0) continue;
                var hook = hookable.register_forward_hook((_, _, output) =>
                {
                    if (Environment.CurrentManagedThreadId != thread || output.dim() != 4) return null!;
                    found.RemoveAll(f => ReferenceEquals(f.Module, hookable));
                    found.Add(new FeatureMapLayer(path, hookable, output.shape[1], output.shape[2], output.shape[3]));
                    return null!;
                });
                removers.Add(hook.remove);
            }
            model.eval();
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            try
            {
                model.call(zeros(input.WithBatch(1), device: device));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new ArgumentException($"Grad-CAM: the network '{name}' cannot run a forward pass on one {input} image: {ex.Message}", nameof(input), ex);
            }
            return found;
        }
        finally
        {
            foreach (var remove in removers) remove();
            // Parents first: train(bool) recurses, so each descendant's own mode is set after its parent's.
            for (var i = 0; i < tree.Count; i++) tree[i].Module.train(modes[i]);
        }
    }
}
