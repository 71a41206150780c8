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

    /// <summary>The architecture's registry entry.</summary>
    public CnnArchitecture Architecture => CnnArchitectures.Get(Options.Architecture);

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
        InputSchemaValidator.Check(inputSchema, Options.LabelColumnName, Options.FeatureColumnName, Options.Architecture, ImageShape);
        var label = inputSchema.First(c => c.Name == Options.LabelColumnName);
        return OutputColumns.Promise(inputSchema, label, Options.ScoreColumnName, Options.PredictedLabelColumnName, Options.FeaturesColumnName);
    }

    /// <summary>The option, else the image column's dimensions (C×H×W, as ExtractPixels sets them), else the architecture's default.</summary>
    private ImageShape ShapeFor(DataViewSchema schema)
    {
        if (Options.ImageShape is { } shape) return shape;
        if (schema.GetColumnOrNull(Options.FeatureColumnName) is { Type: VectorDataViewType vector }
            && ColumnDimensions.ShapeOf(Options.FeatureColumnName, vector, Options.Architecture) is { } fromColumn)
            return fromColumn;
        return Architecture.DefaultInput;
    }

    /// <summary>Trains the network and returns the transformer that scores with it.</summary>
    public CnnTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var shape = ShapeFor(input.Schema);
        var classes = InputSchemaValidator.CheckForTraining(input.Schema, Options.LabelColumnName, Options.FeatureColumnName, Options.Architecture, shape);
        if (Options.ValidationSet is { } validationSet)
            InputSchemaValidator.CheckForTraining(validationSet.Schema, Options.LabelColumnName, Options.FeatureColumnName, Options.Architecture, shape);

        using var channel = _host.Start("Training");
        var (device, deviceName) = TorchDeviceSelector.Select(CatalogEnvironment.GpuDeviceId(_environment), CatalogEnvironment.FallbackToCpu(_environment));
        if (Options.NumberOfThreads is { } threads) torch.set_num_threads(threads);
        var seed = Options.Seed ?? _host.Rand.Next();

        var featureSize = checked((int)shape.ElementCount);
        var train = InMemoryExamples.Load(input, Options.FeatureColumnName, Options.LabelColumnName, featureSize, Options.AllowNonFiniteFeatures, "training");
        if (train.Count == 0)
            throw new InvalidOperationException($"The training data has no rows with a label and finite pixels (label column '{Options.LabelColumnName}'; " +
                                                $"{train.SkippedMissingLabels} rows had a missing key, {train.SkippedNonFinite} non-finite pixels).");
        if (train.SkippedMissingLabels > 0)
            channel.Warning(MessageSensitivity.None, $"Skipped {train.SkippedMissingLabels} rows whose label is missing.");
        var validation = Options.ValidationSet is { } v
            ? InMemoryExamples.Load(v, Options.FeatureColumnName, Options.LabelColumnName, featureSize, Options.AllowNonFiniteFeatures, "validation")
            : null;
        foreach (var (examples, role) in new[] { (train, "training"), (validation, "validation") })
        {
            if (examples is { SkippedNonFinite: > 0 })
                channel.Warning(MessageSensitivity.None, $"Skipped {examples.SkippedNonFinite} {role} rows whose image holds NaN or infinite values (AllowNonFiniteFeatures).");
        }

        var label = input.Schema[Options.LabelColumnName];
        CnnModelDefinition Definition(bool converted) => new()
        {
            Architecture = Options.Architecture,
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
        using var checkpoints = TrainingCheckpoints.Open(Options, Definition(converted: false), label.Annotations, train, seed);
        seed = checkpoints.Seed;
        if (checkpoints.Resume is { Training: { } resumed } resume)
            channel.Info(MessageSensitivity.None, $"Resuming from '{resume.Path}' after epoch {resumed.EpochsCompleted}.");

        torch.random.manual_seed(seed);
        var resumedModule = checkpoints.TakeResumedModule();
        var module = resumedModule ?? Architecture.Create(shape, classes);
        try
        {
            // A resumed run continues from the checkpoint's weights, which started from InitialWeights already.
            if (Options.InitialWeights is not null && resumedModule is null)
                channel.Info(MessageSensitivity.None, InitialWeights.Load(module, Architecture, shape, classes, Options));
            if (device.type != DeviceType.CPU) module.to(device);
            // After the move: to(device) may replace the parameter objects the freezing holds.
            var freezing = BackboneFreezing.Create(module, Options.FreezeBackboneEpochs > 0
                ? InitialWeights.RequireClassifier(Architecture, module, nameof(CnnTrainerOptions.FreezeBackboneEpochs)) : null, Options);
            if (freezing is not null) channel.Info(MessageSensitivity.None, freezing.Description);
            using var oneDnn = OneDnnGuard.Apply(Options.OneDnn, module);
            channel.Info(MessageSensitivity.None, oneDnn.Reason);
            var loop = new TrainingLoop(module, shape, device, deviceName, Options, report =>
            {
                channel.Info(MessageSensitivity.None, report.ToString());
                Options.Progress?.Report(report);
            }, freezing);
            var summary = loop.Run(train, validation, seed, checkpoints.Resume, checkpoints.EpochCompleted(module));
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
                    channel.Info(MessageSensitivity.None, $"Converted '{Options.Architecture}' to its inference form ({module.parameters().Sum(p => p.numel()):N0} parameters).");
                }
            }

            var definition = Definition(converted);
            return new CnnTransformer(definition, module, device, label.Annotations, summary, Options.ScoringBatchSize, _environment);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }
}
