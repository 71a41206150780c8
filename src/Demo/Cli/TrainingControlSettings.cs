using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Cli;

/// <summary>
/// The library's training controls as options, shared by <c>cnnml train</c> and <c>cnnml compare</c> (and offered by the
/// guided mode): the optimizer, the learning-rate schedule, early stopping, label smoothing, class weights, augmentation
/// and mixed precision. <see cref="TrainingControlOptions"/> turns them into <c>CnnTrainerOptions</c>.
/// </summary>
public abstract class TrainingControlSettings : CnnmlSettings
{
    /// <summary>The values <c>--optimizer</c> takes.</summary>
    public static readonly IReadOnlyList<string> OptimizerNames = ["adam", "adamw", "sgd"];

    /// <summary>The values <c>--schedule</c> takes.</summary>
    public static readonly IReadOnlyList<string> ScheduleNames = ["constant", "step", "cosine", "one-cycle"];

    /// <summary>The values <c>--mixed-precision</c> takes.</summary>
    public static readonly IReadOnlyList<string> MixedPrecisionNames = ["none", "bf16", "fp16"];

    /// <summary>The augmentations <c>--augment</c> combines.</summary>
    public static readonly IReadOnlyList<string> AugmentationNames = ["crop", "flip", "affine"];

    /// <summary>The value of <c>--class-weights</c> that weighs each class by the inverse of its share.</summary>
    public const string BalancedClassWeights = "balanced";

    /// <summary><c>--epochs</c>: declared by each command (its default and description differ).</summary>
    public abstract int Epochs { get; init; }

    /// <summary><c>--optimizer</c>.</summary>
    [CommandOption("--optimizer <NAME>")]
    [Description("adam (the source document's), adamw (decoupled weight decay, default 0.01) or sgd (with --momentum, --nesterov).")]
    [DefaultValue("adam")]
    public string Optimizer { get; init; } = "adam";

    /// <summary><c>--momentum</c>.</summary>
    [CommandOption("--momentum <M>")]
    [Description("SGD's momentum, in [[0, 1), e.g. 0.9 (sgd only). Default 0: plain SGD.")]
    public double? Momentum { get; init; }

    /// <summary><c>--nesterov</c>.</summary>
    [CommandOption("--nesterov")]
    [Description("SGD with Nesterov momentum (needs --optimizer sgd and --momentum above 0).")]
    [DefaultValue(false)]
    public bool Nesterov { get; init; }

    /// <summary><c>--weight-decay</c>.</summary>
    [CommandOption("--weight-decay <W>")]
    [Description("Weight decay, 0 or more. Default: PyTorch's, 0 for adam and sgd (added to the gradient), 0.01 for adamw (shrinks the weights).")]
    public double? WeightDecay { get; init; }

    /// <summary><c>--schedule</c>.</summary>
    [CommandOption("--schedule <NAME>")]
    [Description("Learning rate per step: constant (--lr throughout), step (×--step-gamma every --step-epochs), cosine (annealed to 0 over the run) or one-cycle (rises to --lr and anneals, PyTorch's OneCycleLR).")]
    [DefaultValue("constant")]
    public string Schedule { get; init; } = "constant";

    /// <summary><c>--warmup-epochs</c>.</summary>
    [CommandOption("--warmup-epochs <E>")]
    [Description("Linear warm-up from a third of --lr over the first E epochs (fractions allowed: 0.5), before the schedule.")]
    [DefaultValue(0.0)]
    public double WarmupEpochs { get; init; }

    /// <summary><c>--step-epochs</c>.</summary>
    [CommandOption("--step-epochs <N>")]
    [Description("With --schedule step: epochs between decays. Default 1.")]
    public int? StepEpochs { get; init; }

    /// <summary><c>--step-gamma</c>.</summary>
    [CommandOption("--step-gamma <G>")]
    [Description("With --schedule step: the factor applied at each decay, in (0, 1]]. Default 0.1.")]
    public double? StepGamma { get; init; }

    /// <summary><c>--early-stopping</c>.</summary>
    [CommandOption("--early-stopping <PATIENCE>")]
    [Description("Stop when the validation loss has not improved for PATIENCE epochs and keep the best epoch's weights (validates on --validation-fraction's share, else the test images).")]
    public int? EarlyStopping { get; init; }

    /// <summary><c>--label-smoothing</c>.</summary>
    [CommandOption("--label-smoothing <E>")]
    [Description("Label smoothing, in [[0, 1): the target puts 1 - E on the label and spreads E over all classes.")]
    [DefaultValue(0.0)]
    public double LabelSmoothing { get; init; }

    /// <summary><c>--class-weights</c>.</summary>
    [CommandOption("--class-weights <WEIGHTS>")]
    [Description("Weigh each class's loss: balanced (rows / (classes × the class's rows), scikit-learn's), or one weight per class, comma-separated, in label order.")]
    public string? ClassWeights { get; init; }

    /// <summary><c>--augment</c>.</summary>
    [CommandOption("--augment <LIST>")]
    [Description("Seeded augmentation of every training batch, comma-separated: crop (pad an eighth of the side, crop back at random), flip (mirror half the images; not for digits or text), affine (rotate ±10°, shift ±10%, scale ±10%).")]
    public string? Augment { get; init; }

    /// <summary><c>--mixed-precision</c>.</summary>
    [CommandOption("--mixed-precision <NAME>")]
    [Description("Forward pass in mixed precision: none, bf16 (bfloat16) or fp16 (float16 with loss scaling, meant for CUDA).")]
    [DefaultValue("none")]
    public string MixedPrecision { get; init; } = "none";

    /// <summary>The weights of <c>--class-weights</c> when it lists them (checked by <see cref="Validate"/>), else null.</summary>
    public IReadOnlyList<float>? ListedClassWeights() =>
        ClassWeights is null || IsBalanced ? null : ClassWeights.Split(',').Select(w => float.Parse(w.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture)).ToList();

    /// <summary>Whether <c>--class-weights balanced</c> was given.</summary>
    public bool IsBalanced => string.Equals(ClassWeights?.Trim(), BalancedClassWeights, StringComparison.OrdinalIgnoreCase);

    /// <summary>The augmentations <c>--augment</c> names, lower-case, in the order given.</summary>
    public IReadOnlyList<string> Augmentations() =>
        Augment?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => a.ToLowerInvariant()).ToList() ?? [];

    /// <summary>Checks every training control alone and against the others; the message names the option and the value.</summary>
    public override ValidationResult Validate()
    {
        if (base.Validate() is { Successful: false } shared) return shared;
        if (OneOf("--optimizer", Optimizer, OptimizerNames) is { } optimizer) return optimizer;
        if (OneOf("--schedule", Schedule, ScheduleNames) is { } schedule) return schedule;
        if (OneOf("--mixed-precision", MixedPrecision, MixedPrecisionNames) is { } precision) return precision;
        var sgd = Optimizer.Equals("sgd", StringComparison.OrdinalIgnoreCase);
        if (Momentum is { } momentum)
        {
            if (!(momentum >= 0 && momentum < 1)) return Error($"--momentum must be in [0, 1), e.g. 0.9 (got {Text(momentum)}).");
            if (!sgd) return Error($"--momentum is SGD's; add --optimizer sgd (got --optimizer {Optimizer}).");
        }
        if (Nesterov && !(sgd && Momentum > 0)) return Error("--nesterov needs --optimizer sgd and --momentum above 0, e.g. --optimizer sgd --momentum 0.9 --nesterov.");
        if (WeightDecay is { } decay && !(decay >= 0 && double.IsFinite(decay))) return Error($"--weight-decay must be a number, 0 or more (got {Text(decay)}).");
        if (!(WarmupEpochs >= 0 && double.IsFinite(WarmupEpochs))) return Error($"--warmup-epochs must be 0 or more (got {Text(WarmupEpochs)}).");
        if (WarmupEpochs > 0 && WarmupEpochs >= Epochs)
            return Error($"--warmup-epochs {Text(WarmupEpochs)} leaves no epoch for the schedule: give fewer than --epochs ({Epochs}).");
        var step = Schedule.Equals("step", StringComparison.OrdinalIgnoreCase);
        if (StepEpochs is { } stepEpochs)
        {
            if (stepEpochs < 1) return Error($"--step-epochs must be at least 1 (got {stepEpochs}).");
            if (!step) return Error($"--step-epochs sets the step schedule; add --schedule step (got --schedule {Schedule}).");
        }
        if (StepGamma is { } gamma)
        {
            if (!(gamma > 0 && gamma <= 1)) return Error($"--step-gamma must be in (0, 1], e.g. 0.1 (got {Text(gamma)}).");
            if (!step) return Error($"--step-gamma sets the step schedule; add --schedule step (got --schedule {Schedule}).");
        }
        if (EarlyStopping is < 0) return Error($"--early-stopping takes a patience in epochs, 0 or more (got {EarlyStopping}).");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1)) return Error($"--label-smoothing must be in [0, 1), e.g. 0.1 (got {Text(LabelSmoothing)}).");
        if (ClassWeights is not null && !IsBalanced)
        {
            var weights = ClassWeights.Split(',').Select(w => w.Trim()).ToList();
            if (weights.FirstOrDefault(w => !float.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v >= 0) || float.IsInfinity(v)) is { } bad)
                return Error($"--class-weights takes balanced or numbers 0 or more, comma-separated, one per class (got '{bad}' in '{ClassWeights}').");
            if (weights.All(w => float.Parse(w, CultureInfo.InvariantCulture) == 0)) return Error($"--class-weights must not all be 0 (got '{ClassWeights}').");
        }
        if (Augment is not null)
        {
            if (Augmentations().Count == 0) return Error($"--augment needs one or more of {string.Join(", ", AugmentationNames)}, comma-separated (got '{Augment}').");
            if (Augmentations().FirstOrDefault(a => !AugmentationNames.Contains(a)) is { } unknown)
                return Error($"--augment: '{unknown}' is not one of {string.Join(", ", AugmentationNames)}.");
            if (Augmentations().GroupBy(a => a).FirstOrDefault(g => g.Count() > 1) is { } twice) return Error($"--augment names '{twice.Key}' twice.");
        }
        return ValidationResult.Success();
    }

    private static ValidationResult? OneOf(string option, string value, IReadOnlyList<string> names) =>
        names.Contains(value.ToLowerInvariant()) ? null : Error($"{option} expects one of {string.Join(", ", names)}, got '{value}'.");

    private static ValidationResult Error(string message) => ValidationResult.Error(message);

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}
