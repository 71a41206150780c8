using CnnMl.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Architectures;

/// <summary>
/// Builds a fresh network for an input shape and a number of classes. The result maps a batch
/// <c>(N, C, spatial…)</c> to logits <c>(N, classes)</c>.
/// </summary>
public delegate nn.Module<Tensor, Tensor> CnnModuleFactory(ImageShape input, int classes);

/// <summary>
/// A named entry of the architecture registry: what it is, the input it was designed for, and a
/// factory that builds the module for any input shape it supports.
/// </summary>
public sealed class CnnArchitecture
{
    private readonly CnnModuleFactory _factory;

    /// <summary>Creates a registry entry.</summary>
    public CnnArchitecture(string name, string description, ImageShape defaultInput, int defaultClasses, CnnModuleFactory factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(defaultInput);
        ArgumentNullException.ThrowIfNull(factory);
        if (defaultClasses < 2)
            throw new ArgumentOutOfRangeException(nameof(defaultClasses), defaultClasses, "An architecture classifies into at least 2 classes.");
        Name = name;
        Description = description ?? "";
        DefaultInput = defaultInput;
        DefaultClasses = defaultClasses;
        _factory = factory;
    }

    /// <summary>Registry key, e.g. <c>mnist-cnn</c>.</summary>
    public string Name { get; }

    /// <summary>One line saying what the network is and where it comes from.</summary>
    public string Description { get; }

    /// <summary>The input the network was designed for (1×28×28 for the MNIST networks).</summary>
    public ImageShape DefaultInput { get; }

    /// <summary>The class count the network was designed for.</summary>
    public int DefaultClasses { get; }

    /// <summary>
    /// The state-dict prefix of the final classifier layer, the layer that maps the penultimate features to one logit
    /// per class (<c>fc</c> for torchvision's ResNets, <c>classifier.1</c> for MobileNetV2, <c>out</c> for the MNIST CNN).
    /// Transfer learning re-creates this layer (<c>CnnTrainerOptions.TransferLearning.ReplaceClassifier</c>), trains it alone while the
    /// rest is frozen (<c>CnnTrainerOptions.TransferLearning.FreezeBackboneEpochs</c>), and its input is the features column
    /// (<c>CnnTrainerOptions.TransferLearning.FeaturesColumnName</c>). Null: the architecture does not name one, and those options are
    /// refused for it.
    /// </summary>
    public string? ClassifierName { get; init; }

    /// <summary>
    /// Builds the module with freshly initialized weights. Throws <see cref="ArgumentException"/> naming
    /// the architecture and the shape when the shape cannot work for this network.
    /// </summary>
    public nn.Module<Tensor, Tensor> Create(ImageShape input, int classes)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (classes < 2)
            throw new ArgumentOutOfRangeException(nameof(classes), classes, $"Architecture '{Name}' needs at least 2 classes; got {classes}.");
        TorchRuntime.EnsureAvailable();
        return _factory(input, classes);
    }

    /// <summary>Builds the module for its default input and class count.</summary>
    public nn.Module<Tensor, Tensor> Create() => Create(DefaultInput, DefaultClasses);

    /// <inheritdoc />
    public override string ToString() => Name;
}
