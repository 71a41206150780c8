using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Inspection;

/// <summary>
/// Runs the summary's forward pass: hooks every <c>Module&lt;Tensor, Tensor&gt;</c> of the tree, feeds one
/// batch of zeros, and records one row per module call in the order the calls start (a container before
/// its children, as torchinfo prints them).
/// </summary>
internal sealed class SummaryRecorder
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly List<(nn.Module Module, string Path)> _tree = new();
    private readonly Dictionary<nn.Module, (long All, long Trainable)> _ownParameters = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<nn.Module> _called = new(ReferenceEqualityComparer.Instance);
    private readonly List<RowBuilder> _rows = new();
    private readonly Stack<RowBuilder> _open = new();

    private SummaryRecorder(nn.Module<Tensor, Tensor> model)
    {
        _model = model;
        var seenModules = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance) { model };
        _tree.Add((model, ""));
        foreach (var (path, module) in model.named_modules())
        {
            if (seenModules.Add(module)) _tree.Add((module, path));
        }

        // A parameter shared by several modules belongs to the first one in tree order, so rows add up to
        // the model's total exactly as module.parameters() (which also de-duplicates) counts it.
        var seenParameters = new HashSet<IntPtr>();
        foreach (var (module, _) in _tree)
        {
            long all = 0, trainable = 0;
            foreach (var (_, parameter) in module.named_parameters(recurse: false))
            {
                if (!seenParameters.Add(parameter.Handle)) continue;
                all += parameter.numel();
                if (parameter.requires_grad) trainable += parameter.numel();
            }
            _ownParameters[module] = (all, trainable);
        }
    }

    /// <summary>Rows in call order, then any parameter-owning module that was never called; and the model's output shape.</summary>
    public static (IReadOnlyList<LayerSummary> Rows, long[] OutputShape) Record(nn.Module<Tensor, Tensor> model, ImageShape input, string name)
    {
        var recorder = new SummaryRecorder(model);
        var output = recorder.RunForward(input, name);
        return (recorder.Rows(), output);
    }

    private long[] RunForward(ImageShape input, string name)
    {
        var removers = new List<Action>();
        var modes = _tree.Select(t => t.Module.training).ToArray();
        try
        {
            foreach (var (module, path) in _tree)
            {
                if (module is not nn.Module<Tensor, Tensor> hookable) continue;
                var pre = hookable.register_forward_pre_hook(m => Open(m, path));
                var post = hookable.register_forward_hook((m, x, y) => Close(m, x, y));
                removers.Add(pre.remove);
                removers.Add(post.remove);
            }

            _model.eval();
            // no_grad rather than inference_mode: a module that caches a tensor during forward must not be
            // left holding an inference tensor, which would break later training.
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var (dtype, device) = InputKind();
            var batch = torch.zeros(input.WithBatch(1), dtype, device);
            Tensor result;
            try
            {
                result = _model.call(batch);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new ArgumentException(
                    $"Cannot summarize '{name}' for input {input}: the forward pass on a batch of shape " +
                    $"{SummaryFormat.Shape(input.WithBatch(1))} failed: {ex.Message}", nameof(input), ex);
            }
            return result.shape;
        }
        finally
        {
            foreach (var remove in removers) remove();
            // Parents first: train(bool) recurses, so each descendant's own mode is set after its parent's.
            for (var i = 0; i < _tree.Count; i++) _tree[i].Module.train(modes[i]);
        }
    }

    private (ScalarType, Device) InputKind()
    {
        foreach (var parameter in _model.parameters())
        {
            if (torch.is_floating_point(parameter.dtype)) return (parameter.dtype, parameter.device);
        }
        return (ScalarType.Float32, torch.CPU);
    }

    private void Open(nn.Module module, string path)
    {
        var first = _called.Add(module);
        var own = first ? _ownParameters[module] : (All: 0L, Trainable: 0L);
        var row = new RowBuilder(module, path, own.All, own.Trainable, wasCalled: true, isRepeatedCall: !first);
        _rows.Add(row);
        _open.Push(row);
    }

    private Tensor Close(nn.Module module, Tensor input, Tensor output)
    {
        var row = _open.Pop();
        row.OutputShape = output.shape;
        row.Macs = MacCounter.Count(module, input, output);
        return output;
    }

    private IReadOnlyList<LayerSummary> Rows()
    {
        var rows = _rows.Select(r => r.Build()).ToList();
        foreach (var (module, path) in _tree)
        {
            var own = _ownParameters[module];
            if (_called.Contains(module) || own.All == 0) continue;
            rows.Add(new RowBuilder(module, path, own.All, own.Trainable, wasCalled: false, isRepeatedCall: false).Build());
        }
        return rows;
    }

    private sealed class RowBuilder(nn.Module module, string path, long parameters, long trainable, bool wasCalled, bool isRepeatedCall)
    {
        public long[]? OutputShape { get; set; }

        public long Macs { get; set; }

        public LayerSummary Build() => new(path, TypeName(module.GetType()), path.Length == 0 ? 0 : path.Count(c => c == '.') + 1,
            OutputShape, parameters, trainable, Macs, wasCalled, isRepeatedCall);

        private static string TypeName(Type type)
        {
            var name = type.Name;
            var tick = name.IndexOf('`');
            return tick < 0 ? name : name[..tick];
        }
    }
}
