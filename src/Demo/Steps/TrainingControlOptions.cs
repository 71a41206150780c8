using System.Globalization;
using CnnMl.Data;
using CnnMl.Demo.Cli;
using CnnMl.Optimizers;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Demo.Steps;

/// <summary>
/// Turns the training controls of <see cref="TrainingControlSettings"/> into <see cref="CnnTrainerOptions"/>: what
/// <c>train</c>, <c>compare</c>, <c>lr-find</c> and the guided mode hand to the library. The controls that depend on the
/// data — balanced class weights (the training rows per class), warm-up (epochs to steps), the crop's padding (the
/// image side) — are computed from the rows the network trains on.
/// </summary>
internal static class TrainingControlOptions
{
    /// <summary>The rotation, shift and scale of <c>--augment affine</c>.</summary>
    public const double AffineDegrees = 10, AffineShift = 0.1, AffineScale = 0.1;

    /// <summary>
    /// Sets the training controls of <paramref name="settings"/> on <paramref name="options"/> (whose
    /// <see cref="CnnTrainerOptions.BatchSize"/> and <see cref="CnnTrainerOptions.ValidationSetFraction"/> are already set):
    /// the optimizer with <c>--lr</c>, the schedule, early stopping, label smoothing, class weights, augmentation.
    /// </summary>
    /// <param name="settings">The options given.</param>
    /// <param name="options">The trainer's options, changed in place and returned.</param>
    /// <param name="train">The rows the network trains on, with the key-typed label column.</param>
    /// <param name="shape">The network's input shape (the crop pads an eighth of its side).</param>
    public static CnnTrainerOptions ApplyTo(DataAndTrainingSettings settings, CnnTrainerOptions options, IDataView train, ImageShape shape)
    {
        options.Optimizer = Optimizer(settings, settings.LearningRate);
        options.LabelSmoothing = settings.LabelSmoothing;
        options.MixedPrecision = settings.MixedPrecision.ToLowerInvariant() switch
        {
            "bf16" => MixedPrecision.BFloat16,
            "fp16" => MixedPrecision.Float16,
            _ => MixedPrecision.None,
        };
        options.EarlyStopping = settings.EarlyStopping is { } patience ? new EarlyStopping { Patience = patience } : null;
        options.Augmentation = Augmentation(settings.Augmentations(), shape);

        var counts = new Lazy<long[]>(() => ClassCounts(train, options.LabelColumnName));
        var warmupSteps = settings.WarmupEpochs > 0
            ? Math.Max(1, (int)Math.Round(settings.WarmupEpochs * StepsPerEpoch(counts.Value, options.BatchSize, options.ValidationSetFraction)))
            : 0;
        options.Schedule = settings.Schedule.ToLowerInvariant() switch
        {
            "step" => new StepLearningRate(settings.StepEpochs ?? 1, settings.StepGamma ?? 0.1) { WarmupSteps = warmupSteps },
            "cosine" => new CosineLearningRate { WarmupSteps = warmupSteps },
            "one-cycle" => new OneCycleLearningRate { WarmupSteps = warmupSteps },
            _ => warmupSteps > 0 ? new ConstantLearningRate { WarmupSteps = warmupSteps } : null,
        };
        if (settings.IsBalanced) options.ClassWeights = BalancedWeights(counts.Value);
        else if (settings.ListedClassWeights() is { } listed)
        {
            var classes = counts.Value.Length;
            if (listed.Count != classes)
                throw new ArgumentException($"--class-weights lists {listed.Count} weight(s); the data has {classes} classes: give one per class, in label order, or balanced.");
            options.ClassWeights = listed;
        }
        return options;
    }

    /// <summary>
    /// The optimizer of <c>--optimizer</c> at <paramref name="learningRate"/>, with <c>--momentum</c> and <c>--nesterov</c>
    /// (SGD's) and <c>--weight-decay</c> when given (else the optimizer's own default).
    /// </summary>
    public static CnnOptimizer Optimizer(TrainingControlSettings settings, double learningRate)
    {
        switch (settings.Optimizer.ToLowerInvariant())
        {
            case "sgd":
                var sgd = new Sgd { LearningRate = learningRate, Momentum = settings.Momentum ?? 0, Nesterov = settings.Nesterov };
                if (settings.WeightDecay is { } sgdDecay) sgd.WeightDecay = sgdDecay;
                return sgd;
            default:
                var adam = settings.Optimizer.Equals("adamw", StringComparison.OrdinalIgnoreCase) ? new AdamW() : new Adam();
                adam.LearningRate = learningRate;
                if (settings.WeightDecay is { } decay) adam.WeightDecay = decay;
                return adam;
        }
    }

    /// <summary>scikit-learn's balanced weights: rows / (classes × the class's rows); 0 for a class with no rows.</summary>
    public static IReadOnlyList<float> BalancedWeights(IReadOnlyList<long> counts)
    {
        var rows = counts.Sum();
        return counts.Select(c => c == 0 ? 0f : (float)(rows / ((double)counts.Count * c))).ToList();
    }

    /// <summary>
    /// The optimizer steps of one epoch: the training rows, less those <paramref name="validationFraction"/> holds out of
    /// each class (as the trainer counts them), divided by the batch size, rounded up.
    /// </summary>
    public static int StepsPerEpoch(IReadOnlyList<long> counts, int batchSize, double? validationFraction)
    {
        var trained = validationFraction is { } fraction
            ? counts.Sum(c => c - (c >= 2 ? Math.Clamp(StratifiedHoldOut.HeldCount((int)c, fraction), 1, (int)c - 1) : 0))
            : counts.Sum();
        return (int)Math.Max(1, (trained + batchSize - 1) / batchSize);
    }

    /// <summary>How <paramref name="options"/> trains, for the console's "Training:" line; <paramref name="withRate"/>: the learning rate too.</summary>
    public static string Describe(CnnTrainerOptions options, bool withRate = true)
    {
        var optimizer = options.Optimizer;
        var text = withRate ? string.Create(CultureInfo.InvariantCulture, $"{optimizer.GetType().Name} lr {optimizer.LearningRate:G4}") : optimizer.GetType().Name;
        if (optimizer is Sgd { Momentum: > 0 } sgd) text += string.Create(CultureInfo.InvariantCulture, $", momentum {sgd.Momentum:G4}{(sgd.Nesterov ? " (Nesterov)" : "")}");
        // Weight decay when --weight-decay changed it from the optimizer's own default.
        var decay = optimizer switch { Adam adam => adam.WeightDecay, Sgd sgdDecay => sgdDecay.WeightDecay, _ => (double?)null };
        var defaultDecay = optimizer switch { AdamW => AdamW.DefaultWeightDecay, _ => 0 };
        if (decay is { } d && d != defaultDecay) text += string.Create(CultureInfo.InvariantCulture, $", weight decay {d:G4}");
        if (options.Schedule is { } schedule) text += $", {schedule}";
        if (options.EarlyStopping is { } stopping) text += $", {stopping}";
        if (options.LabelSmoothing > 0) text += string.Create(CultureInfo.InvariantCulture, $", label smoothing {options.LabelSmoothing:G3}");
        if (options.ClassWeights is { } weights) text += $", class weights {string.Join("/", weights.Select(w => w.ToString("G3", CultureInfo.InvariantCulture)))}";
        if (options.Augmentation is { } augmentation) text += $", augmentation: {augmentation}";
        if (options.MixedPrecision != MixedPrecision.None) text += $", mixed precision {options.MixedPrecision}";
        return text;
    }

    private static ImageAugmentation? Augmentation(IReadOnlyList<string> names, ImageShape shape)
    {
        if (names.Count == 0) return null;
        var affine = names.Contains("affine");
        return new ImageAugmentation
        {
            CropPadding = names.Contains("crop") ? Math.Max(1, (int)shape.Spatial[^1] / 8) : 0,
            HorizontalFlip = names.Contains("flip"),
            RotationDegrees = affine ? AffineDegrees : 0,
            Translation = affine ? AffineShift : 0,
            Scale = affine ? AffineScale : 0,
        };
    }

    /// <summary>Rows per class of the key-typed label column, in key order (class i at index i - 1 of the key).</summary>
    private static long[] ClassCounts(IDataView train, string labelColumn)
    {
        var column = train.Schema.GetColumnOrNull(labelColumn)
            ?? throw new InvalidOperationException($"The training rows have no '{labelColumn}' column to count the classes of.");
        if (column.Type is not KeyDataViewType keyType || keyType.RawType != typeof(uint))
            throw new InvalidOperationException($"The '{labelColumn}' column is {column.Type}, not a key: the classes cannot be counted.");
        var classes = (int)keyType.Count;
        var counts = new long[classes];
        foreach (var key in train.GetColumn<uint>(column))
        {
            if (key >= 1 && key <= classes) counts[key - 1]++;
        }
        return counts;
    }
}
