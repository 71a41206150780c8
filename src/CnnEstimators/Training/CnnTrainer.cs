using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Runtime;
using CnnMl.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// Trains a convolutional network from the registry on an image column and a key-typed label, and
/// returns a <see cref="CnnTransformer"/>. Create it with
/// <c>mlContext.MulticlassClassification.Trainers.Cnn(...)</c>.
/// </summary>
public sealed class CnnTrainer : IEstimator<CnnTransformer>
{
    private readonly IHostEnvironment _environment;
    private readonly IHost _host;

    /// <summary>Images per forward pass when measuring validation accuracy.</summary>
    private const int ValidationBatchSize = 1000;

    internal CnnTrainer(IHostEnvironment environment, CnnTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        TorchRuntime.EnsureAvailable();
        _environment = environment;
        _host = environment.Register(nameof(CnnTrainer));
        Options = options;
    }

    /// <summary>The options this trainer was created with.</summary>
    public CnnTrainerOptions Options { get; }

    /// <summary>The network trained: <see cref="CnnTrainerOptions.CustomArchitecture"/>, else the registry's entry.</summary>
    public CnnArchitecture Architecture => Options.ResolveArchitecture();

    /// <summary>
    /// <see cref="CnnTrainerOptions.ImageShape"/>, or else the architecture's default input. Without the option,
    /// <see cref="Fit"/> takes the shape from the image column's dimensions when it has them; the shape it used is
    /// the transformer's <c>Definition.ImageShape</c>.
    /// </summary>
    public ImageShape ImageShape => Options.ImageShape ?? Architecture.DefaultInput;

    /// <summary>
    /// The input columns plus the score and predicted-label columns (<see cref="CnnTrainerOptions.ScoreColumnName"/>,
    /// <see cref="CnnTrainerOptions.PredictedLabelColumnName"/>) with the annotations the fitted transformer delivers.
    /// Checks first that the label is a key and the image column a known-size float vector (sizes are checked by
    /// <see cref="Fit"/>).
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputSchemaValidator.Check(inputSchema, Options.LabelColumnName, Options.FeatureColumnName, Architecture.Name, ImageShape);
        var label = inputSchema.First(c => c.Name == Options.LabelColumnName);
        return OutputColumns.Promise(inputSchema, label, Options.ScoreColumnName, Options.PredictedLabelColumnName, Options.FeaturesColumnName);
    }

    /// <summary>The option, else the image column's dimensions (C×H×W, as ExtractPixels sets them), else the architecture's default.</summary>
    private ImageShape ShapeFor(DataViewSchema schema)
    {
        if (Options.ImageShape is { } shape) return shape;
        if (schema.GetColumnOrNull(Options.FeatureColumnName) is { Type: VectorDataViewType vector }
            && ColumnDimensions.ShapeOf(Options.FeatureColumnName, vector, Architecture.Name) is { } fromColumn)
            return fromColumn;
        return Architecture.DefaultInput;
    }

    /// <summary>The in-memory examples checkpoints fingerprint; streamed data cannot be checkpointed yet.</summary>
    private InMemoryExamples CheckpointExamples(TrainingData train)
    {
        if (train.Examples is { } examples) return examples;
        if (Options.CheckpointPath is null && Options.ResumeFrom is null) return InMemoryExamples.Empty(checked((int)ImageShape.ElementCount));
        throw new NotSupportedException(
            $"CheckpointPath and ResumeFrom need the training data in memory (they fingerprint it), but it is streamed: {train.Description} " +
            "Raise MaxInMemoryBytes above the data's size, or train without checkpoints.");
    }

    /// <summary>Trains the network and returns the transformer that scores with it.</summary>
    /// <remarks>
    /// <c>Fit</c> leaves no process-wide setting changed: the thread count (<see cref="CnnTrainerOptions.NumberOfThreads"/>)
    /// is set on the calling thread and put back, and the oneDNN switch is held through a process-wide scope that
    /// concurrent <c>Fit</c> calls share or wait for, then restored. Seeding and building the network take libtorch's
    /// default generator exclusively, so concurrent calls give the weights sequential calls give.
    /// </remarks>
    public CnnTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // Checked again: Options is the caller's object, which may have changed since the trainer was made.
        Options.Validate();
        var architecture = Architecture;
        var shape = ShapeFor(input.Schema);
        var classes = InputSchemaValidator.CheckForTraining(input.Schema, Options.LabelColumnName, Options.FeatureColumnName, architecture.Name, shape);
        if (Options.ValidationSet is { } validationSet)
        {
            int validationClasses;
            try
            {
                validationClasses = InputSchemaValidator.CheckForTraining(validationSet.Schema, Options.LabelColumnName, Options.FeatureColumnName, architecture.Name, shape);
            }
            catch (ArgumentOutOfRangeException ex)
            {
                var reason = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", "");
                throw new ArgumentOutOfRangeException(nameof(CnnTrainerOptions.ValidationSet), $"ValidationSet: {reason}");
            }
            if (validationClasses != classes)
                throw new ArgumentOutOfRangeException(nameof(CnnTrainerOptions.ValidationSet),
                    $"ValidationSet: label column '{Options.LabelColumnName}' has {validationClasses} classes; the training data's has {classes}. Map both with the same MapValueToKey transformer.");
        }
        if (Options.ClassWeights is { } weights && weights.Count != classes)
            throw new ArgumentException(
                $"ClassWeights has {weights.Count} values; the label column '{Options.LabelColumnName}' has {classes} classes. Give one weight per class, in key order.",
                nameof(CnnTrainerOptions.ClassWeights));

        using var channel = _host.Start("Training");
        var (device, deviceName) = TorchDeviceSelector.Select(CatalogEnvironment.GpuDeviceId(_environment), CatalogEnvironment.FallbackToCpu(_environment));
        using var threads = ThreadCountScope.Enter(Options.NumberOfThreads);
        var seed = Options.Seed ?? _host.Rand.Next();

        var train = TrainingData.Open(input, Options, shape, "Training");
        if (train.Count == 0)
            throw new InvalidOperationException($"The training data has no rows with a label and finite pixels (label column '{Options.LabelColumnName}'; " +
                                                $"{train.SkippedMissingLabels} rows had a missing key, {train.SkippedNonFinite} non-finite pixels).");
        if (train.SkippedMissingLabels > 0)
            channel.Warning(MessageSensitivity.None, $"Skipped {train.SkippedMissingLabels} rows whose label is missing.");
        var validation = Options.ValidationSet is { } v ? TrainingData.Open(v, Options, shape, "Validation") : null;
        foreach (var data in new[] { train, validation })
        {
            if (data is { SkippedNonFinite: > 0 })
                channel.Warning(MessageSensitivity.None, $"Skipped {data.SkippedNonFinite} {data.Role} rows whose image holds NaN or infinite values (AllowNonFiniteFeatures).");
        }

        var label = input.Schema[Options.LabelColumnName];
        CnnModelDefinition Definition(bool converted) => new()
        {
            Architecture = architecture.Name,
            ImageShape = shape,
            ClassCount = classes,
            ClassNames = KeyValueAnnotations.ReadNames(label),
            FeatureColumnName = Options.FeatureColumnName,
            LabelColumnName = Options.LabelColumnName,
            ScoreColumnName = Options.ScoreColumnName,
            PredictedLabelColumnName = Options.PredictedLabelColumnName,
            IsConvertedForInference = converted,
            FeaturesColumnName = Options.FeaturesColumnName,
        };
        using var checkpoints = TrainingCheckpoints.Open(Options, Definition(converted: false), label.Annotations, CheckpointExamples(train), seed);
        seed = checkpoints.Seed;
        if (checkpoints.Resume is { Training: { } resumed } resume)
            channel.Info(MessageSensitivity.None, $"Resuming from '{resume.Path}' after epoch {resumed.EpochsCompleted}.");

        using var random = DefaultGeneratorLease.Seed(seed, Options.CancellationToken);
        var resumedModule = checkpoints.TakeResumedModule();
        var module = resumedModule ?? architecture.Create(shape, classes);
        try
        {
            random.KeepWhileTraining(module);
            // A resumed run continues from the checkpoint's weights, which started from InitialWeights already.
            if (Options.InitialWeights is not null && resumedModule is null)
                channel.Info(MessageSensitivity.None, InitialWeights.Load(module, architecture, shape, classes, Options));
            if (device.type != DeviceType.CPU) module.to(device);
            // After the move: to(device) may replace the parameter objects the freezing holds.
            var freezing = BackboneFreezing.Create(module, Options.FreezeBackboneEpochs > 0
                ? InitialWeights.RequireClassifier(architecture, module, nameof(CnnTrainerOptions.FreezeBackboneEpochs)) : null, Options);
            if (freezing is not null) channel.Info(MessageSensitivity.None, freezing.Description);
            using var oneDnn = OneDnnGuard.Apply(Options.OneDnn, Options.CancellationToken);
            channel.Info(MessageSensitivity.None, oneDnn.Reason);
            channel.Info(MessageSensitivity.None, OptimizerFactory.Describe(Options));
            using var oneDnnLayers = OneDnnLayerPolicy.ForTraining(Options.OneDnn, oneDnn.Enabled, device, module, shape, train.Count, Options.BatchSize);
            if (oneDnnLayers is not null) channel.Info(MessageSensitivity.None, oneDnnLayers.Description);
            var loop = new TrainingLoop(module, shape, device, deviceName, Options, report =>
            {
                channel.Info(MessageSensitivity.None, report.ToString());
                Options.Progress?.Report(report);
            }, freezing);
            var pinned = device.type == DeviceType.CUDA;
            using var trainBatches = train.TrainingBatches(seed, pinned, out var dataDescription);
            channel.Info(MessageSensitivity.None, dataDescription);
            using var validationBatches = validation?.OrderedBatches(ValidationBatchSize, pinned);
            if (validation is not null) channel.Info(MessageSensitivity.None, validation.Description);
            var summary = loop.Run(trainBatches, validationBatches, seed, checkpoints.Resume, checkpoints.EpochCompleted(module))
                with { OneDnn = oneDnnLayers?.Description ?? oneDnn.Reason };
            oneDnnLayers?.Dispose(); // the hooks are for training only
            freezing?.Release();

            var converted = false;
            if (module is IConvertibleAfterTraining convertible)
            {
                var inference = convertible.ConvertForInference();
                if (!ReferenceEquals(inference, module))
                {
                    module.Dispose();
                    module = inference;
                    if (device.type != DeviceType.CPU) module.to(device);
                    converted = true;
                    channel.Info(MessageSensitivity.None, $"Converted '{architecture.Name}' to its inference form ({module.parameters().Sum(p => p.numel()):N0} parameters).");
                }
            }

            var definition = Definition(converted);
            return new CnnTransformer(definition, module, device, label.Annotations, summary, Options.ScoringBatchSize, _environment, Options.ScoringThreads,
                architecture.ClassifierName, Options.OneRowScoring);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }
}
