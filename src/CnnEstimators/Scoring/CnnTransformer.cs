using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Interop;
using CnnMl.Onnx;
using CnnMl.Persistence;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using static TorchSharp.torch;

namespace CnnMl.Scoring;

/// <summary>
/// A trained CNN as an ML.NET transformer. It adds a score column (vector of softmax probabilities; slot i
/// is class index i, i.e. key value i + 1) and a predicted-label column (key type with the label's key
/// values), named by <see cref="CnnModelDefinition.ScoreColumnName"/> and
/// <see cref="CnnModelDefinition.PredictedLabelColumnName"/> ("Score" and "PredictedLabel" by default), to
/// its input, scoring in batches. A row whose image holds NaN or ±Infinity scores NaN and gets the missing
/// predicted label (key 0). Owns its TorchSharp module: dispose the transformer to free it.
/// </summary>
/// <remarks>
/// <para><b>Threads.</b> <see cref="Transform"/>, <see cref="GetOutputSchema"/> and <see cref="GetRowToRowMapper"/>
/// may be called from any number of threads at once, and the views and engines they return score
/// concurrently on the one network (in eval mode, without gradients). As everywhere in ML.NET, one cursor
/// and one <c>PredictionEngine</c> belong to one thread at a time: create an engine per thread (or use
/// <c>PredictionEnginePool</c>); sharing one engine between threads is the caller's error.</para>
/// <para><b>Lifetime.</b> ML.NET's <c>PredictionEngine.Dispose</c> disposes the model it was created from
/// (<c>PredictionEngineOptions.OwnsTransformer</c> is true by default), and that call cannot be told apart from the
/// owner's, so no <see cref="Dispose"/> call frees the network while a prediction engine made from this transformer is
/// alive. Without engines, the owner's <see cref="Dispose"/> frees the network's native memory at once; with engines,
/// once the owner has disposed (more <see cref="Dispose"/> calls than engines that could have made them) and the last
/// engine has been garbage-collected. Calling <see cref="Dispose"/> again is harmless. Once the owner has disposed,
/// <see cref="Transform"/>, <see cref="GetRowToRowMapper"/>, <see cref="Module"/> and the save methods throw
/// <see cref="ObjectDisposedException"/> naming this transformer, and so does scoring through views made earlier once
/// the network is freed. A <c>TransformerChain</c> passes only its first <c>Dispose</c> on; when an engine disposed
/// the chain, dispose this transformer itself (<c>chain.LastTransformer</c>).</para>
/// <para><b>Saving.</b> <c>mlContext.Model.Save</c> stores it as ML.NET's own transformers (an ONNX export of the network plus public
/// transforms; see <c>CnnMl.Scoring.MlNetScoringChain</c>), so the saved zip loads with a plain
/// <c>mlContext.Model.Load</c> in a process without CnnMl; save with <c>mlContext.Model.SaveAtomically</c> to never
/// leave a broken file behind. <see cref="SaveCheckpoint(string)"/> writes CnnMl's own checkpoint (definition,
/// label key values and weights; docs/checkpoint-format.md) and <see cref="Load"/> reads it back.</para>
/// </remarks>
public sealed class CnnTransformer : ITransformer, IDisposable
{
    private readonly ModuleScorer _scorer;
    private readonly ModuleHolds _holds;
    private readonly DataViewSchema.Annotations _labelKeyValues;
    private readonly int _scoringBatchSize;
    // Registered with the trainer's environment (the user's MLContext) under the component's name, as ML.NET's
    // components are: its log hears about saves and one-row scoring as "CnnTransformer; Save", "CnnTransformer; Scoring".
    private readonly IHost? _host;

    internal CnnTransformer(CnnModelDefinition definition, nn.Module<Tensor, Tensor> module, Device device,
        DataViewSchema.Annotations labelKeyValues, TrainingSummary? trainingSummary, int scoringBatchSize,
        IHostEnvironment? environment = null, int? scoringThreads = null, string? classifierName = null,
        OneRowScoring oneRowScoring = OneRowScoring.OnnxRuntime)
    {
        _host = environment?.Register(nameof(CnnTransformer));
        Definition = definition;
        Device = device;
        TrainingSummary = trainingSummary;
        _labelKeyValues = labelKeyValues;
        _scoringBatchSize = scoringBatchSize;
        module.eval();
        PenultimateFeatures? penultimate = null;
        if (definition.FeaturesColumnName is not null)
        {
            // The trainer passes its architecture's classifier (a CustomArchitecture is not in the registry).
            var classifier = classifierName ?? CnnArchitectures.Get(definition.Architecture).ClassifierName
                ?? throw new InvalidOperationException($"Architecture '{definition.Architecture}' names no classifier layer to read features from.");
            penultimate = new PenultimateFeatures(module, classifier, definition.ImageShape, device);
            FeaturesLayer = classifier;
        }
        _scorer = new ModuleScorer(module, device, definition.ImageShape, definition.ClassCount,
            $"{nameof(CnnTransformer)} ('{definition.Architecture}', {definition.ClassCount} classes)", scoringThreads, penultimate, oneRowScoring, Log);
        _holds = new ModuleHolds(_scorer.Dispose, module.parameters().Sum(p => p.numel() * p.ElementSize));
    }

    /// <summary>Architecture, input shape, classes and columns: what, with the weights, rebuilds this transformer.</summary>
    public CnnModelDefinition Definition { get; }

    /// <summary>A message to the trainer's <c>MLContext.Log</c> (nothing for a transformer loaded without one).</summary>
    private void Log(string message)
    {
        using var channel = _host?.Start("Scoring");
        channel?.Info(MessageSensitivity.None, message);
    }

    /// <summary>The layer whose input is the features column (the classifier), or null without a features column.</summary>
    internal string? FeaturesLayer { get; }

    /// <summary>
    /// The trained network, in eval mode. Owned by the transformer. Read it, do not change its weights: one-row
    /// scoring (<see cref="OneRowScoring.OnnxRuntime"/>) runs a copy exported at the first <c>Predict</c>, which would
    /// not see the change (train with <see cref="OneRowScoring.LibTorch"/> to score the module itself).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The network has been freed (see the remarks on lifetime).</exception>
    public nn.Module<Tensor, Tensor> Module
    {
        get
        {
            ThrowIfDisposed();
            return _scorer.Module;
        }
    }

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
    /// <see cref="Training.TransferLearningOptions.InitialWeights"/>.
    /// </summary>
    /// <param name="path">Target file; its folder must exist; an existing file is replaced atomically (on failure it is left untouched).</param>
    /// <exception cref="ArgumentException">The extension is neither .pt, .pth, .bin nor .safetensors.</exception>
    public void SaveWeights(string path)
    {
        ThrowIfDisposed();
        StateDictFile.Write(path, StateDictOrder.Entries(Module));
    }

    /// <summary>Always true: the transformer maps each row independently.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus the score and predicted-label columns; checks the image column first. Thread-safe.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputSchemaValidator.CheckFeatures(inputSchema, Definition.FeatureColumnName, Definition.Architecture, Definition.ImageShape);
        return OutputColumns.Build(inputSchema, Definition.ScoreColumnName, Definition.PredictedLabelColumnName, Definition.ClassCount, _labelKeyValues,
            Definition.FeaturesColumnName is { } features ? (features, FeaturesLength) : null);
    }

    /// <summary>Scores <paramref name="input"/> lazily, one forward pass per batch of rows. Thread-safe.</summary>
    /// <exception cref="ObjectDisposedException">The network has been freed.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed();
        var schema = GetOutputSchema(input.Schema);
        return new ScoredDataView(input, schema, _scorer, input.Schema[Definition.FeatureColumnName], _scoringBatchSize);
    }

    /// <summary>
    /// A row mapper for <c>mlContext.Model.CreatePredictionEngine</c>; it holds the network until the engine
    /// is disposed or collected (see the remarks on lifetime). Thread-safe; each mapped row is for one thread.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The network has been freed.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ThrowIfDisposed();
        var schema = GetOutputSchema(inputSchema);
        var hold = _holds.TakeEngineHold() ?? throw _scorer.DisposedError();
        return new CnnRowToRowMapper(inputSchema, schema, _scorer, inputSchema[Definition.FeatureColumnName], hold);
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
        ThrowIfDisposed();
        CnnCheckpoint.WriteModel(path, DefinitionDocuments.ToDocument(Definition, _labelKeyValues, _scoringBatchSize), Module, interpose);
    }

    /// <summary>
    /// Loads a transformer from a checkpoint written by <see cref="SaveCheckpoint(string)"/> (or, through
    /// <see cref="Training.CheckpointOptions.Path"/>, during training). It scores with TorchSharp on the CPU, gives
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

    /// <summary>
    /// Saves this transformer for <c>mlContext.Model.Save</c> as an equivalent chain of ML.NET's own transformers (an
    /// <c>OnnxTransformer</c> over <see cref="ExportOnnx(Stream)"/>'s graph, then public transforms that rebuild
    /// <c>PredictedLabel</c>), which loads in plain ML.NET without CnnMl. The export and the chain are built and
    /// checked (one probe image scored both ways) before anything is written to <paramref name="ctx"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">A module of the network has no ONNX export.</exception>
    /// <exception cref="InvalidOperationException">The chain would not score like this transformer.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ThrowIfDisposed();
        MlNetScoringChain.Save(this, ctx, _host);
    }

    /// <summary>
    /// Writes the trained network as an ONNX model (opset 17, dynamic batch): input <see cref="CnnModelDefinition.FeatureColumnName"/>
    /// (the flat float vector, as this transformer reads it), output <c>Score</c> (softmax probabilities, slot i = class index i).
    /// </summary>
    /// <exception cref="NotSupportedException">A module of the network has no ONNX export.</exception>
    public void ExportOnnx(Stream destination) =>
        ExportOnnx(destination, new OnnxExportOptions { InputName = Definition.FeatureColumnName });

    /// <summary>
    /// Writes the trained network as an ONNX model with the given input and output names (e.g. an arg-max
    /// <see cref="OnnxExportOptions.PredictedIndexOutputName"/>); <see cref="OnnxExportOptions.InputName"/> is used as given.
    /// </summary>
    /// <exception cref="NotSupportedException">A module of the network has no ONNX export.</exception>
    public void ExportOnnx(Stream destination, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfDisposed();
        OnnxModelExporter.Export(Module, Definition.ImageShape, destination, options);
    }

    /// <summary>
    /// Disposes the transformer: the network's native memory is freed now, or, when prediction engines made from this
    /// transformer are alive, once they have been garbage-collected (see the remarks on lifetime). ML.NET's engine calls
    /// this too when it is disposed. Calling it again does nothing more: it never frees the network under a live engine.
    /// </summary>
    public void Dispose()
    {
        if (_holds.Release()) _scorer.Dispose();
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the owner has disposed this transformer or its network is freed.</summary>
    private void ThrowIfDisposed()
    {
        if (_holds.OwnerReleased) throw _scorer.DisposedError();
        _scorer.ThrowIfDisposed();
    }
}
