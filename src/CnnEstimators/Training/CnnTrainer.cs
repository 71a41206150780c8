using System.Globalization;
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
        return OutputColumns.Promise(inputSchema, label, Options.ScoreColumnName, Options.PredictedLabelColumnName, Options.TransferLearning.FeaturesColumnName);
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

    /// <summary>
    /// ML.NET's trainers' <c>CheckAlive</c>: a canceled <see cref="MLContext"/> (<c>CancelExecution</c>, as AutoML ends a
    /// trial) stops <c>Fit</c> before the next batch with <see cref="OperationCanceledException"/>.
    /// </summary>
    private void CheckAlive(int epoch, int batch)
    {
        if (!MlNetInternals.IsCanceled(_host)) return;
        throw new OperationCanceledException(epoch == 0
            ? $"Operation was canceled: the MLContext's execution was canceled (CancelExecution) while measuring validation batch {batch}; Fit keeps no model."
            : $"Operation was canceled: the MLContext's execution was canceled (CancelExecution) before epoch {epoch}, batch {batch}; Fit keeps no model.");
    }

    /// <summary>The in-memory examples checkpoints fingerprint; streamed data cannot be checkpointed yet.</summary>
    private InMemoryExamples CheckpointExamples(TrainingData train)
    {
        if (train.Examples is { } examples) return examples;
        if (Options.Checkpoints.Path is null && Options.Checkpoints.ResumeFrom is null) return InMemoryExamples.Empty(checked((int)ImageShape.ElementCount));
        throw new NotSupportedException(
            $"Checkpoints.Path and Checkpoints.ResumeFrom need the training data in memory (they fingerprint it), but it is streamed: {train.Description} " +
            "Raise MaxInMemoryBytes above the data's size, or train without checkpoints.");
    }

    /// <summary>The input's image shape and class count, after checking its columns and the class weights against them.</summary>
    private (ImageShape Shape, int Classes) CheckTrainingInput(IDataView input, CnnArchitecture architecture)
    {
        var shape = ShapeFor(input.Schema);
        var classes = InputSchemaValidator.CheckForTraining(input.Schema, Options.LabelColumnName, Options.FeatureColumnName, architecture.Name, shape);
        if (Options.ClassWeights is { } weights && weights.Count != classes)
            throw new ArgumentException(
                $"ClassWeights has {weights.Count} values; the label column '{Options.LabelColumnName}' has {classes} classes. Give one weight per class, in key order.",
                nameof(CnnTrainerOptions.ClassWeights));
        return (shape, classes);
    }

    /// <summary>The training rows, in memory or streamed; throws when none has a label and finite pixels.</summary>
    private TrainingData OpenTrainingData(IDataView input, ImageShape shape, IChannel channel)
    {
        var train = TrainingData.Open(input, Options, shape, "Training");
        if (train.Count == 0)
            throw new InvalidOperationException($"The training data has no rows with a label and finite pixels (label column '{Options.LabelColumnName}'; " +
                                                $"{train.SkippedMissingLabels} rows had a missing key, {train.SkippedNonFinite} non-finite pixels).");
        if (train.SkippedMissingLabels > 0)
            channel.Warning(MessageSensitivity.None, $"Skipped {train.SkippedMissingLabels} rows whose label is missing.");
        return train;
    }

    /// <summary>A new network with the weights training starts from: the seeded initialization, or <see cref="TransferLearningOptions.InitialWeights"/>.</summary>
    private nn.Module<Tensor, Tensor> CreateStartingNetwork(CnnArchitecture architecture, ImageShape shape, int classes, IChannel channel)
    {
        var module = architecture.Create(shape, classes);
        try
        {
            if (Options.TransferLearning.InitialWeights is not null) channel.Info(MessageSensitivity.None, InitialWeights.Load(module, architecture, shape, classes, Options));
            return module;
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>The fine-tuning phases on <paramref name="module"/> (after its move to the device: to(device) may replace the parameter objects they hold).</summary>
    private BackboneFreezing? CreateFreezing(nn.Module<Tensor, Tensor> module, CnnArchitecture architecture, IChannel channel)
    {
        var freezing = BackboneFreezing.Create(module, Options.TransferLearning.FreezeBackboneEpochs > 0
            ? InitialWeights.RequireClassifier(architecture, module, "TransferLearning.FreezeBackboneEpochs") : null, Options);
        if (freezing is not null) channel.Info(MessageSensitivity.None, freezing.Description);
        return freezing;
    }

    /// <summary>Logs the oneDNN decision and the optimizer; the per-layer oneDNN policy for training, when there is one to apply.</summary>
    private OneDnnLayerPolicy? ApplyOneDnnPolicy(OneDnnGuard oneDnn, nn.Module<Tensor, Tensor> module, Device device, ImageShape shape, long examples, IChannel channel)
    {
        channel.Info(MessageSensitivity.None, oneDnn.Reason);
        channel.Info(MessageSensitivity.None, Options.DescribeOptimizer());
        var oneDnnLayers = OneDnnLayerPolicy.ForTraining(Options.OneDnn, oneDnn.Enabled, device, module, shape, examples, Options.BatchSize);
        if (oneDnnLayers is not null) channel.Info(MessageSensitivity.None, oneDnnLayers.Description);
        return oneDnnLayers;
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
        var (shape, classes) = CheckTrainingInput(input, architecture);
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

        CheckAlive(1, 1);
        using var channel = _host.Start("Training");
        var (device, deviceName) = TorchDeviceSelector.Select(MlNetInternals.GpuDeviceId(_environment), MlNetInternals.FallbackToCpu(_environment));
        using var threads = ThreadCountScope.Enter(Options.NumberOfThreads);
        var seed = Options.Seed ?? _host.Rand.Next();

        var train = OpenTrainingData(input, shape, channel);
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
            FeaturesColumnName = Options.TransferLearning.FeaturesColumnName,
        };
        using var checkpoints = TrainingCheckpoints.Open(Options, Definition(converted: false), label.Annotations, CheckpointExamples(train), seed);
        seed = checkpoints.Seed;
        if (checkpoints.Resume is { Training: { } resumed } resume)
            channel.Info(MessageSensitivity.None, $"Resuming from '{resume.Path}' after epoch {resumed.EpochsCompleted}.");
        // After the seed is final (a resumed run takes its checkpoint's), so a resumed run holds out the same rows.
        if (Options.ValidationSetFraction is { } fraction) (train, validation) = train.HoldOut(fraction, seed);

        using var random = DefaultGeneratorLease.Seed(seed, Options.CancellationToken);
        var resumedModule = checkpoints.TakeResumedModule();
        // A resumed run continues from the checkpoint's weights, which started from InitialWeights already.
        var module = resumedModule ?? CreateStartingNetwork(architecture, shape, classes, channel);
        try
        {
            random.KeepWhileTraining(module);
            if (device.type != DeviceType.CPU) module.to(device);
            var freezing = CreateFreezing(module, architecture, channel);
            using var oneDnn = OneDnnGuard.Apply(Options.OneDnn, Options.CancellationToken);
            using var oneDnnLayers = ApplyOneDnnPolicy(oneDnn, module, device, shape, train.Count, channel);
            var loop = new TrainingLoop(module, shape, device, deviceName, Options, report =>
            {
                channel.Info(MessageSensitivity.None, report.ToString());
                Options.Progress?.Report(report);
            }, freezing, CheckAlive);
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
            return new CnnTransformer(definition, module, device, label.Annotations, summary, Options.Scoring.BatchSize, _environment, Options.Scoring.NumberOfThreads,
                architecture.ClassifierName, Options.Scoring.OneRowScoring);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The learning-rate range test (Smith 2015; fastai's <c>lr_find</c>): trains a throw-away copy of the network
    /// <see cref="Fit"/> would start from — same architecture, initialization or <see cref="TransferLearningOptions.InitialWeights"/>,
    /// optimizer, loss, augmentation and mixed precision — for <see cref="LearningRateFinderOptions.Steps"/> batches
    /// with the rate rising geometrically, and suggests a rate from the smoothed loss. Set
    /// <see cref="Optimizers.CnnOptimizer.LearningRate"/> to <see cref="LearningRateFinderResult.SuggestedLearningRate"/> and
    /// create a new trainer to train with it.
    /// </summary>
    /// <remarks>
    /// Nothing of this trainer changes: its options stay as they are, and with <see cref="CnnTrainerOptions.Seed"/>
    /// unset the test draws its seed from the <c>MLContext</c> apart from the stream <see cref="Fit"/> draws from, so
    /// a later <c>Fit</c> trains exactly the weights it would have trained without the test. The test ignores the
    /// schedule, validation, early stopping, checkpoints and the time limit; a frozen backbone
    /// (<see cref="TransferLearningOptions.FreezeBackboneEpochs"/>) stays frozen, so the rate found is for the first phase.
    /// </remarks>
    /// <param name="input">The training data (the same columns <see cref="Fit"/> takes).</param>
    /// <param name="options">The range and the stopping rule; null for fastai's defaults.</param>
    /// <exception cref="InvalidOperationException">The loss diverged so early that too few steps remain to suggest a rate.</exception>
    public LearningRateFinderResult FindLearningRate(IDataView input, LearningRateFinderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= new LearningRateFinderOptions();
        options.Validate();
        var architecture = Architecture;
        var (shape, classes) = CheckTrainingInput(input, architecture);

        using var channel = _host.Start("Learning-rate range test");
        var (device, _) = TorchDeviceSelector.Select(MlNetInternals.GpuDeviceId(_environment), MlNetInternals.FallbackToCpu(_environment));
        using var threads = ThreadCountScope.Enter(Options.NumberOfThreads);
        // Not _host.Rand: that stream belongs to Fit, whose seed must not move because the test ran.
        var seed = Options.Seed ?? _environment.Register(nameof(FindLearningRate)).Rand.Next();
        var train = OpenTrainingData(input, shape, channel);

        using var random = DefaultGeneratorLease.Seed(seed, Options.CancellationToken);
        using var network = CreateStartingNetwork(architecture, shape, classes, channel);
        random.KeepWhileTraining(network);
        if (device.type != DeviceType.CPU) network.to(device);
        var freezing = CreateFreezing(network, architecture, channel);
        using var oneDnn = OneDnnGuard.Apply(Options.OneDnn, Options.CancellationToken);
        using var oneDnnLayers = ApplyOneDnnPolicy(oneDnn, network, device, shape, train.Count, channel);
        using var batches = train.TrainingBatches(seed, device.type == DeviceType.CUDA, out var dataDescription);
        channel.Info(MessageSensitivity.None, dataDescription);
        using var controls = new TrainingControls(Options, seed, batches.BatchesPerPass, epochs: 1, device);
        var (curve, diverged) = LearningRateRangeTest.Run(network, batches, controls, new TrainingStep(network, device, Options.MixedPrecision), options, freezing,
            Options.CancellationToken);

        var window = LearningRateSuggestions.Window(curve, options.Steps) ?? throw new InvalidOperationException(
            $"The learning-rate range test stopped after {curve.Count} of {options.Steps} steps" +
            (curve.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", at rate {curve[^1].LearningRate:G3}, ") : " ") +
            "because the loss diverged; too few steps remain to suggest a rate (the first tenth and the last 5 are left out). " +
            "Lower StartLearningRate or raise Steps.");
        var steepest = LearningRateSuggestions.Steepest(window);
        var lowest = LearningRateSuggestions.LowestLoss(window);
        var result = new LearningRateFinderResult
        {
            Architecture = architecture.Name,
            Optimizer = Options.DescribeOptimizer(),
            BatchSize = Options.BatchSize,
            SuggestedLearningRate = Math.Min(steepest, lowest / 10),
            SteepestLearningRate = steepest,
            LowestLossLearningRate = lowest,
            ValleyLearningRate = LearningRateSuggestions.Valley(window),
            StoppedOnDivergence = diverged,
            Curve = curve,
        };
        channel.Info(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture,
            $"Learning-rate range test: {curve.Count} steps from {options.StartLearningRate:G3}{(diverged ? ", stopped on divergence" : "")}; " +
            $"steepest descent at {steepest:G3}, lowest loss at {lowest:G3}, suggested {result.SuggestedLearningRate:G3}."));
        return result;
    }
}
