using System.Text;
using static TorchSharp.torch;

namespace CnnMl.Interop;

/// <summary>
/// Copies a state dict read from a file into a network after checking names and shapes strictly, like PyTorch's
/// <c>load_state_dict(strict=True)</c>, but reporting every difference at once in a <see cref="StateDictMismatchException"/>.
/// </summary>
internal static class StateDictLoader
{
    /// <summary>The prefix <c>torch.nn.parallel.DistributedDataParallel</c> (and <c>DataParallel</c>) put before every name.</summary>
    public const string DataParallelPrefix = "module.";

    /// <summary>
    /// Checks <paramref name="file"/> against <paramref name="module"/>'s state dict and copies every tensor in.
    /// Names starting with <paramref name="excludedPrefix"/> (a layer name such as <c>fc</c>) are left out on both
    /// sides: the network keeps its own freshly initialized values there. When every name of the file starts with
    /// <c>module.</c> and none of the network's does (a state dict taken from a DDP wrapper instead of
    /// <c>model.module</c>), the prefix is dropped first.
    /// </summary>
    /// <param name="module">The network to fill.</param>
    /// <param name="file">Tensors by name, as read from the file.</param>
    /// <param name="excludedPrefix">A layer whose tensors are neither checked nor loaded, or null.</param>
    /// <param name="describe">What the file is loaded into, for the message, e.g. "architecture 'resnet18' (3×64×64, 10 classes)".</param>
    /// <param name="source">The file, for the message.</param>
    /// <param name="hint">Extra advice appended to a mismatch message, computed from the mismatch, or null.</param>
    /// <returns>How many tensors were copied.</returns>
    /// <exception cref="StateDictMismatchException">Names or shapes differ (outside <paramref name="excludedPrefix"/>).</exception>
    public static int Load(nn.Module module, IReadOnlyDictionary<string, Tensor> file, string? excludedPrefix, string describe, string source,
        Func<StateDictDifferences, string?>? hint = null)
    {
        var target = StateDictOrder.Entries(module);
        file = WithoutDataParallelPrefix(file, target);
        bool Included(string name) => excludedPrefix is null || !IsUnder(name, excludedPrefix);

        var targetNames = target.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var missing = target.Where(t => Included(t.Name) && !file.ContainsKey(t.Name)).Select(t => t.Name).ToList();
        // A .pt file's names come back unordered (PyBridge reads the pickled OrderedDict into a Hashtable): sorted, they read better.
        var unexpected = file.Keys.Where(n => Included(n) && !targetNames.Contains(n)).Order(StringComparer.Ordinal).ToList();
        var wrongShape = target
            .Where(t => Included(t.Name) && file.TryGetValue(t.Name, out var f) && !f.shape.SequenceEqual(t.Tensor.shape))
            .Select(t => new StateDictShapeMismatch(t.Name, file[t.Name].shape, t.Tensor.shape))
            .ToList();
        var differences = new StateDictDifferences(missing, unexpected, wrongShape);
        if (!differences.IsEmpty)
        {
            var message = Describe(differences, describe, source, excludedPrefix, hint?.Invoke(differences));
            throw new StateDictMismatchException(message, missing, unexpected, wrongShape);
        }

        var copied = 0;
        using (no_grad())
        {
            foreach (var (name, tensor) in target)
            {
                if (!Included(name)) continue;
                tensor.copy_(file[name]);
                copied++;
            }
        }
        return copied;
    }

    /// <summary>True when <paramref name="name"/> is the layer <paramref name="prefix"/> or one of its tensors.</summary>
    public static bool IsUnder(string name, string prefix) =>
        name.Length > prefix.Length ? name.StartsWith(prefix, StringComparison.Ordinal) && name[prefix.Length] == '.' : name == prefix;

    private static IReadOnlyDictionary<string, Tensor> WithoutDataParallelPrefix(IReadOnlyDictionary<string, Tensor> file, List<(string Name, Tensor Tensor)> target)
    {
        if (file.Count == 0 || !file.Keys.All(k => k.StartsWith(DataParallelPrefix, StringComparison.Ordinal))) return file;
        if (target.Any(t => t.Name.StartsWith(DataParallelPrefix, StringComparison.Ordinal))) return file;
        return file.ToDictionary(kv => kv.Key[DataParallelPrefix.Length..], kv => kv.Value, StringComparer.Ordinal);
    }

    private static string Describe(StateDictDifferences m, string describe, string source, string? excludedPrefix, string? hint)
    {
        var text = new StringBuilder();
        text.Append($"The weights in '{source}' do not fit {describe}");
        if (excludedPrefix is not null) text.Append($" (classifier '{excludedPrefix}' excluded: it is replaced)");
        text.Append(':');
        void Section(string title, IReadOnlyCollection<string> lines)
        {
            if (lines.Count == 0) return;
            text.AppendLine().Append($"  {title} ({lines.Count}):");
            foreach (var line in lines) text.AppendLine().Append("    ").Append(line);
        }
        Section("missing from the file (the network has them)", m.Missing.ToList());
        Section("unexpected in the file (the network has no such tensor)", m.Unexpected.ToList());
        Section("wrong shape", m.WrongShape.Select(w => w.ToString()).ToList());
        text.AppendLine().Append("Fix: ");
        text.Append(hint ?? "load a state dict saved from the same architecture with the same input channels and classes " +
                            "(in Python: torch.save(model.state_dict(), path); with DDP: model.module.state_dict()).");
        return text.ToString();
    }
}

/// <summary>What differs between a file's state dict and a network's.</summary>
internal sealed record StateDictDifferences(IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<StateDictShapeMismatch> WrongShape)
{
    public bool IsEmpty => Missing.Count == 0 && Unexpected.Count == 0 && WrongShape.Count == 0;

    /// <summary>Every name involved, whichever list it is in.</summary>
    public IEnumerable<string> AllNames => Missing.Concat(Unexpected).Concat(WrongShape.Select(w => w.Name));
}
