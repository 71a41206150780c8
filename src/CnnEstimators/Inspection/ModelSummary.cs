using CnnMl.Architectures;
using static TorchSharp.torch;

namespace CnnMl.Inspection;

/// <summary>
/// A layer-by-layer account of a network, like Keras' <c>summary()</c> or torchinfo: for every module call
/// in one forward pass, its path, type, depth, output shape, own parameters and multiply-accumulates;
/// with parameter and MAC totals.
/// </summary>
/// <remarks>
/// The pass feeds one batch of a single all-zeros example in evaluation mode under <c>no_grad</c>, and
/// leaves the module's train/eval modes as it found them. Rows come from forward hooks, which TorchSharp runs
/// only when a module is invoked through <c>call</c>: a child invoked through <c>forward</c>, or one whose
/// forward is not one tensor in and one out, gets no row of its own (its work shows in its parent's output)
/// — if it owns parameters it is listed after the called rows without an output shape, so the rows still add
/// up to <see cref="TotalParameters"/>.
/// </remarks>
public sealed class ModelSummary
{
    private ModelSummary(string architecture, ImageShape input, long[] outputShape, IReadOnlyList<LayerSummary> layers,
        long totalParameters, long trainableParameters, long bufferElements, long parameterBytes)
    {
        Architecture = architecture;
        Input = input;
        OutputShape = outputShape;
        Layers = layers;
        TotalParameters = totalParameters;
        TrainableParameters = trainableParameters;
        BufferElements = bufferElements;
        ParameterBytes = parameterBytes;
        Macs = layers.Sum(l => l.Macs);
    }

    /// <summary>The name given to the summary: the registry name, or the module's name.</summary>
    public string Architecture { get; }

    /// <summary>The example shape the pass used (without the batch dimension).</summary>
    public ImageShape Input { get; }

    /// <summary>The model's output shape for a batch of one, e.g. <c>[1, 10]</c>.</summary>
    public IReadOnlyList<long> OutputShape { get; }

    /// <summary>
    /// One row per module call in the order the calls started (so a container precedes its children); row 0
    /// is the model itself (depth 0, empty name). Modules that own parameters but were never called follow.
    /// </summary>
    public IReadOnlyList<LayerSummary> Layers { get; }

    /// <summary>Number of parameter values, each shared parameter once (equals the sum of <c>p.numel()</c> over <c>parameters()</c>).</summary>
    public long TotalParameters { get; }

    /// <summary>Parameter values that require gradients.</summary>
    public long TrainableParameters { get; }

    /// <summary>Parameter values that do not require gradients (frozen).</summary>
    public long NonTrainableParameters => TotalParameters - TrainableParameters;

    /// <summary>Values held in buffers (batch-norm running statistics and the like); not parameters.</summary>
    public long BufferElements { get; }

    /// <summary>Memory the parameters take, in bytes.</summary>
    public long ParameterBytes { get; }

    /// <summary>
    /// Multiply-accumulates of one forward pass for one example: the sum over rows, i.e. over convolution and
    /// linear calls (see <see cref="MacCounter"/>). torchvision publishes this number as "GFLOPS".
    /// </summary>
    public long Macs { get; }

    /// <summary>
    /// Summarizes <paramref name="module"/> for examples of shape <paramref name="input"/> by running one forward
    /// pass on a batch of one. The module is not changed (its train/eval modes are restored).
    /// </summary>
    /// <param name="module">The network.</param>
    /// <param name="input">One example's shape, without the batch dimension (e.g. 3x224x224).</param>
    /// <param name="name">Name shown for the model; defaults to the module's own name.</param>
    /// <exception cref="ArgumentException">The forward pass fails for this input (the message says why).</exception>
    public static ModelSummary Of(nn.Module<Tensor, Tensor> module, ImageShape input, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(input);
        name ??= module.GetName();

        var (rows, outputShape) = SummaryRecorder.Record(module, input, name);
        long total = 0, trainable = 0, bytes = 0;
        foreach (var parameter in module.parameters())
        {
            total += parameter.numel();
            if (parameter.requires_grad) trainable += parameter.numel();
            bytes += parameter.numel() * parameter.ElementSize;
        }
        var buffers = module.buffers().Sum(b => b.numel());
        return new ModelSummary(name, input, outputShape, rows, total, trainable, buffers, bytes);
    }

    /// <summary>Builds the registered <paramref name="architecture"/> for the given input and classes and summarizes it.</summary>
    /// <exception cref="ArgumentException">Unknown architecture, or a shape it cannot take.</exception>
    public static ModelSummary Of(string architecture, ImageShape input, int classes)
    {
        var entry = CnnArchitectures.Get(architecture);
        using var module = entry.Create(input, classes);
        return Of(module, input, entry.Name);
    }

    /// <summary>Summarizes the registered <paramref name="architecture"/> at its default input and class count.</summary>
    /// <exception cref="ArgumentException">Unknown architecture.</exception>
    public static ModelSummary Of(string architecture)
    {
        var entry = CnnArchitectures.Get(architecture);
        return Of(entry.Name, entry.DefaultInput, entry.DefaultClasses);
    }

    /// <summary>
    /// The summary as aligned text: one line per row (indented by depth; parameters and MACs with thousands
    /// separators, <c>--</c> where there are none), then the totals.
    /// </summary>
    public string ToTable() => SummaryTable.Render(this);

    /// <summary>
    /// The summary as JSON: <c>architecture</c>, <c>input</c>, <c>outputShape</c>, <c>totalParameters</c>,
    /// <c>trainableParameters</c>, <c>nonTrainableParameters</c>, <c>bufferElements</c>, <c>parameterBytes</c>,
    /// <c>macs</c>, and <c>layers</c> (each: <c>name</c>, <c>type</c>, <c>depth</c>, <c>outputShape</c> (null when
    /// not observed), <c>parameters</c>, <c>trainableParameters</c>, <c>macs</c>, <c>called</c>, <c>repeatedCall</c>).
    /// Shapes are arrays of integers; <c>input</c> has no batch dimension, output shapes do.
    /// </summary>
    public string ToJson(bool indented = true) => SummaryJson.Write(this, indented);

    /// <summary>The model's rows at one depth (1: the model's direct children), in call order.</summary>
    public IReadOnlyList<LayerSummary> LayersAtDepth(int depth) => Layers.Where(l => l.Depth == depth && l.WasCalled).ToArray();

    /// <inheritdoc />
    public override string ToString() => ToTable();
}
