using CnnMl.Architectures;
using CnnMl.Interop;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// Starts training from a state dict (<see cref="TransferLearningOptions.InitialWeights"/>): a PyTorch <c>.pt</c>/<c>.pth</c>
/// file or <c>.safetensors</c>, checked strictly against the network; with
/// <see cref="TransferLearningOptions.ReplaceClassifier"/> the classifier layer keeps its fresh initialization for the
/// label's class count and the file's classifier is ignored.
/// </summary>
internal static class InitialWeights
{
    /// <summary>Loads the file into <paramref name="module"/> (still on the CPU) and returns a line for the training log.</summary>
    public static string Load(nn.Module module, CnnArchitecture architecture, ImageShape shape, int classes, CnnTrainerOptions options)
    {
        var path = options.TransferLearning.InitialWeights ?? throw new InvalidOperationException("No InitialWeights set.");
        var replaced = options.TransferLearning.ReplaceClassifier ? RequireClassifier(architecture, module, "TransferLearning.ReplaceClassifier") : null;
        // The file's tensors live only until they are copied.
        using var scope = NewDisposeScope();
        var file = StateDictFile.Read(path);
        var copied = StateDictLoader.Load(module, file, replaced, $"architecture '{architecture.Name}' ({shape}, {classes} classes)", path,
            differences => Hint(differences, architecture, module, shape, classes, replaced));
        return $"Loaded {copied} tensors from '{path}'" +
               (replaced is null ? "." : $"; classifier '{replaced}' re-created for {classes} classes (the file's is ignored).");
    }

    /// <summary>
    /// The architecture's classifier layer, checked to exist in <paramref name="module"/>. Throws, naming
    /// <paramref name="option"/>, when the architecture does not name one.
    /// </summary>
    public static string RequireClassifier(CnnArchitecture architecture, nn.Module module, string option)
    {
        var name = architecture.ClassifierName
            ?? throw new InvalidOperationException(
                $"Architecture '{architecture.Name}' does not name its classifier layer, so {option} cannot be used with it. " +
                "Register it with ClassifierName set to the state-dict prefix of its last layer (e.g. \"fc\").");
        if (!module.named_modules().Any(m => m.name == name))
            throw new InvalidOperationException(
                $"Architecture '{architecture.Name}' names its classifier '{name}', but the network has no module of that name " +
                $"(its top-level modules: {string.Join(", ", module.named_children().Select(c => c.name))}).");
        return name;
    }

    private static string? Hint(StateDictDifferences differences, CnnArchitecture architecture, nn.Module module, ImageShape shape, int classes, string? replaced)
    {
        var hints = new List<string>();
        var classifier = architecture.ClassifierName;
        if (replaced is null && classifier is not null && differences.AllNames.All(n => StateDictLoader.IsUnder(n, classifier)))
            hints.Add($"only the classifier '{classifier}' differs (another class count or input size): set ReplaceClassifier = true " +
                      $"(cnnml train --replace-classifier) to train a new one for {classes} classes from the file's backbone.");

        // The first layer tells the input channels the weights were trained on.
        var first = StateDictOrder.Entries(module).Select(e => e.Name).FirstOrDefault(n => n.EndsWith(".weight", StringComparison.Ordinal));
        var firstMismatch = differences.WrongShape.FirstOrDefault(w => w.Name == first);
        if (firstMismatch is { FileShape.Length: >= 3 } && firstMismatch.FileShape[1] != firstMismatch.NetworkShape[1])
            hints.Add($"the file's first layer takes {firstMismatch.FileShape[1]} input channel(s) and this network {shape.Channels}: " +
                      $"set ImageShape with {firstMismatch.FileShape[1]} channels (gray images: repeat the channel).");
        return hints.Count == 0 ? null : string.Join(" Also: ", hints);
    }
}
