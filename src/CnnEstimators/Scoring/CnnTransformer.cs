using CnnMl.Data;
using CnnMl.Persistence;
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
/// cannot store this transformer. <see cref="SaveCheckpoint(string)"/> writes CnnMl's own checkpoint (definition,
/// label key values and weights; docs/checkpoint-format.md) and <see cref="Load"/> reads it back.
/// </remarks>
public sealed class CnnTransformer : ITransformer, IDisposable
{
    private readonly ModuleScorer _scorer;
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
        _scorer = new ModuleScorer(module, device, definition.ImageShape, definition.ClassCount);
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

    /// <summary>Always true: the transformer maps each row independently.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus <c>Score</c> and <c>PredictedLabel</c>; checks the image column first.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputSchemaValidator.CheckFeatures(inputSchema, Definition.FeatureColumnName, Definition.Architecture, Definition.ImageShape);
        return OutputColumns.Build(inputSchema, Definition.ClassCount, _labelKeyValues);
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

    /// <summary>
    /// Writes this transformer to <paramref name="path"/> as a CnnMl checkpoint: a zip of JSON (definition, the
    /// label's key values, scoring batch size) and safetensors (the module's state dict under PyTorch names), sealed
    /// with a SHA-256. The file is replaced atomically: on any failure an existing file is left untouched.
    /// <see cref="Load"/> reads it back.
    /// </summary>
    /// <param name="path">The file to write; its folder must exist.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or file cannot be written.</exception>
    /// <exception cref="IOException">Writing failed (disk full, …); the target is unchanged.</exception>
    public void SaveCheckpoint(string path) => SaveCheckpoint(path, interpose: null);

    /// <summary><see cref="SaveCheckpoint(string)"/> with a wrapper around the file stream (tests inject failures with it).</summary>
    internal void SaveCheckpoint(string path, Func<Stream, Stream>? interpose)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CnnCheckpoint.WriteModel(path, DefinitionDocuments.ToDocument(Definition, _labelKeyValues, _scoringBatchSize), Module, interpose);
    }

    /// <summary>
    /// Loads a transformer from a checkpoint written by <see cref="SaveCheckpoint(string)"/> (or, through
    /// <see cref="CnnTrainerOptions.CheckpointPath"/>, during training). It scores with TorchSharp on the CPU, gives
    /// bitwise the scores of the saved transformer, and has the same output schema (<c>Score</c>, and
    /// <c>PredictedLabel</c> with the same key values). <see cref="TrainingSummary"/> is null.
    /// </summary>
    /// <remarks>
    /// Everything is validated before use: the file's seal, the zip's entries and sizes, every JSON document against
    /// its schema and version, and every tensor's name, dtype and shape against the network the registry builds from
    /// the definition; the network then runs once on zeros.
    /// </remarks>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid checkpoint: the only exception for damaged, truncated, altered or foreign content.
    /// The message names the file and the defect.
    /// </exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">Its folder does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened for reading.</exception>
    /// <exception cref="IOException">The file cannot be read (locked, disk error).</exception>
    public static CnnTransformer Load(string path)
    {
        using var checkpoint = CnnCheckpoint.Read(path);
        var document = checkpoint.Definition;
        var annotations = document.LabelKeyValues?.ToAnnotations() ?? new DataViewSchema.Annotations.Builder().ToAnnotations();
        return new CnnTransformer(DefinitionDocuments.ToDefinition(document), checkpoint.TakeModule(), CPU, annotations, trainingSummary: null, document.ScoringBatchSize);
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
        Module.Dispose();
    }
}
