using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Runtime;
using CnnMl.Scoring;
using Microsoft.ML;
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

    /// <summary>The input shape used: <see cref="CnnTrainerOptions.ImageShape"/> or the architecture's default.</summary>
    public ImageShape ImageShape => Options.ImageShape ?? Architecture.DefaultInput;

    /// <summary>
    /// The input columns plus <c>Score</c> and <c>PredictedLabel</c>. Checks first that the label is a key
    /// and the image column a known-size float vector (sizes are checked by <see cref="Fit"/>).
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputSchemaValidator.Check(inputSchema, Options.LabelColumnName, Options.FeatureColumnName, Options.Architecture, ImageShape);
        // SchemaShape.Column cannot be built outside ML.NET; a built-in multiclass trainer describes the
        // same two output columns (Score, PredictedLabel) with ML.NET's own annotations.
        var scored = new MLContext().MulticlassClassification.Trainers
            .SdcaMaximumEntropy(Options.LabelColumnName, Options.FeatureColumnName)
            .GetOutputSchema(inputSchema);
        // Likewise a known-size float vector column for the penultimate features: a concatenation describes one.
        return Options.FeaturesColumnName is { } features
            ? new MLContext().Transforms.Concatenate(features, Options.FeatureColumnName).GetOutputSchema(scored)
            : scored;
    }

    /// <summary>Trains the network and returns the transformer that scores with it.</summary>
    public CnnTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var shape = ImageShape;
        var classes = InputSchemaValidator.CheckForTraining(input.Schema, Options.LabelColumnName, Options.FeatureColumnName, Options.Architecture, shape);
        if (Options.ValidationSet is { } validationSet)
            InputSchemaValidator.CheckForTraining(validationSet.Schema, Options.LabelColumnName, Options.FeatureColumnName, Options.Architecture, shape);

        using var channel = _host.Start("Training");
        var (device, deviceName) = TorchDeviceSelector.Select(CatalogEnvironment.GpuDeviceId(_environment), CatalogEnvironment.FallbackToCpu(_environment));
        if (Options.NumberOfThreads is { } threads) torch.set_num_threads(threads);
        var seed = Options.Seed ?? _host.Rand.Next();

        var featureSize = checked((int)shape.ElementCount);
        var train = InMemoryExamples.Load(input, Options.FeatureColumnName, Options.LabelColumnName, featureSize);
        if (train.Count == 0)
            throw new InvalidOperationException($"The training data has no rows with a label (label column '{Options.LabelColumnName}'; {train.SkippedMissingLabels} rows had a missing key).");
        if (train.SkippedMissingLabels > 0)
            channel.Warning(MessageSensitivity.None, $"Skipped {train.SkippedMissingLabels} rows whose label is missing.");
        var validation = Options.ValidationSet is { } v ? InMemoryExamples.Load(v, Options.FeatureColumnName, Options.LabelColumnName, featureSize) : null;

        torch.random.manual_seed(seed);
        var module = Architecture.Create(shape, classes);
        try
        {
            if (Options.InitialWeights is not null)
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
            var summary = loop.Run(train, validation, seed);
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

            var label = input.Schema[Options.LabelColumnName];
            var definition = new CnnModelDefinition
            {
                Architecture = Options.Architecture,
                ImageShape = shape,
                ClassCount = classes,
                ClassNames = KeyValueAnnotations.ReadNames(label),
                FeatureColumnName = Options.FeatureColumnName,
                LabelColumnName = Options.LabelColumnName,
                IsConvertedForInference = converted,
                FeaturesColumnName = Options.FeaturesColumnName,
            };
            return new CnnTransformer(definition, module, device, label.Annotations, summary, Options.ScoringBatchSize);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }
}
