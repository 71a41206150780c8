using CnnMl.Architectures;
using CnnMl.Interop;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace CnnMl.Scoring;

/// <summary>
/// A trained CNN as an ML.NET transformer. It adds <c>Score</c> (vector of softmax probabilities; slot i
/// is class index i, i.e. key value i + 1) and <c>PredictedLabel</c> (key type with the label's key
/// values) to its input, scoring in batches. Owns its TorchSharp module: dispose the transformer to free it.
/// </summary>
/// <remarks>
/// ML.NET keeps model persistence internal (<c>ModelSaveContext</c>), so <c>mlContext.Model.Save</c>
/// cannot store this transformer. It holds everything needed to rebuild it: <see cref="Definition"/> and
/// the weights in <see cref="Module"/> (<c>Module.state_dict()</c>).
/// </remarks>
public sealed class CnnTransformer : ITransformer, IDisposable
{
    private readonly ModuleScorer _scorer;
    private readonly PenultimateFeatures? _penultimate;
    private readonly DataViewSchema.Annotations _labelKeyValues;
    private readonly int _scoringBatchSize;
    private bool _disposed;

    internal CnnTransformer(CnnModelDefinition definition, nn.Module<Tensor, Tensor> module, Device device,
        DataViewSchema.Annotations labelKeyValues, TrainingSummary? trainingSummary, int scoringBatchSize)
    {
        Definition = definition;
        Module = module;
        Device = device;
        TrainingSummary = trainingSummary;
        _labelKeyValues = labelKeyValues;
        _scoringBatchSize = scoringBatchSize;
        module.eval();
        if (definition.FeaturesColumnName is not null)
        {
            var classifier = CnnArchitectures.Get(definition.Architecture).ClassifierName
                ?? throw new InvalidOperationException($"Architecture '{definition.Architecture}' names no classifier layer to read features from.");
            _penultimate = new PenultimateFeatures(module, classifier, definition.ImageShape, device);
        }
        _scorer = new ModuleScorer(module, device, definition.ImageShape, definition.ClassCount, _penultimate);
    }

    /// <summary>Architecture, input shape, classes and columns: what, with the weights, rebuilds this transformer.</summary>
    public CnnModelDefinition Definition { get; }

    /// <summary>The trained network, in eval mode. Owned by the transformer.</summary>
    public nn.Module<Tensor, Tensor> Module { get; }

    /// <summary>The device the module lives on.</summary>
    public Device Device { get; }

    /// <summary>What training measured (null for a transformer not produced by <c>Fit</c>).</summary>
    public TrainingSummary? TrainingSummary { get; }

    /// <summary>Number of parameters of the scoring module.</summary>
    public long ParameterCount => Module.parameters().Sum(p => p.numel());

    /// <summary>
    /// Length of the penultimate features column (<see cref="CnnModelDefinition.FeaturesColumnName"/>): the number of
    /// inputs of the classifier layer, e.g. 512 for resnet18, 3,136 for mnist-cnn at 28×28. 0 when the column is off.
    /// </summary>
    public int FeaturesLength => _scorer.PenultimateLength;

    /// <summary>
    /// Writes the weights as a PyTorch state dict, by extension: <c>.pt</c>/<c>.pth</c> in <c>torch.save</c>'s format
    /// (Python: <c>model.load_state_dict(torch.load(path))</c>, strict) or <c>.safetensors</c>
    /// (<c>safetensors.torch.load_file</c>). Names, shapes and order are those of PyTorch's <c>state_dict()</c> for the
    /// same definition (the source document's classes, torchvision's builders, the official CondenseNet code; a condensed
    /// CondenseNet under the official converted model's names). The file also loads back as
    /// <see cref="CnnTrainerOptions.InitialWeights"/>.
    /// </summary>
    /// <param name="path">Target file; its folder is created; an existing file is replaced atomically.</param>
    /// <exception cref="ArgumentException">The extension is neither .pt, .pth, .bin nor .safetensors.</exception>
    public void SaveWeights(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        StateDictFile.Write(path, StateDictOrder.Entries(Module));
    }

    /// <summary>Always true: the transformer maps each row independently.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus <c>Score</c> and <c>PredictedLabel</c>; checks the image column first.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputSchemaValidator.CheckFeatures(inputSchema, Definition.FeatureColumnName, Definition.Architecture, Definition.ImageShape);
        return OutputColumns.Build(inputSchema, Definition.ClassCount, _labelKeyValues,
            Definition.FeaturesColumnName is { } features ? (features, FeaturesLength) : null);
    }

    /// <summary>Scores <paramref name="input"/> lazily, one forward pass per batch of rows.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var schema = GetOutputSchema(input.Schema);
        return new ScoredDataView(input, schema, _scorer, input.Schema[Definition.FeatureColumnName], _scoringBatchSize);
    }

    /// <summary>A row mapper for <c>mlContext.Model.CreatePredictionEngine</c>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var schema = GetOutputSchema(inputSchema);
        return new CnnRowToRowMapper(inputSchema, schema, _scorer, inputSchema[Definition.FeatureColumnName]);
    }

    /// <summary>Not supported: ML.NET's model format is closed to third-party transformers.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException(
        "CnnTransformer cannot be saved with mlContext.Model.Save: ML.NET keeps its model-saving API (ModelSaveContext, " +
        "LoadableClass) internal, so third-party transformers cannot take part. Keep Definition and Module.state_dict() instead.");

    /// <summary>Frees the module's native memory.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _penultimate?.Dispose();
        Module.Dispose();
    }
}
