using System.Globalization;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Commands.Train;
using CnnMl.Optimizers;
using CnnMl.Training;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// What the user chose in the guided mode. It becomes the <see cref="TrainSettings"/> that <c>cnnml train</c>'s own
/// phases run with, and the <c>cnnml train</c> command line that repeats the run without questions.
/// </summary>
internal sealed record WizardAnswers
{
    /// <summary>MNIST's training images, the default of the training-image question.</summary>
    public const int MnistTrainImages = 60_000;

    /// <summary>MNIST's test images, the default of the test-image question.</summary>
    public const int MnistTestImages = 10_000;

    /// <summary>The epoch bound of a minutes budget: the time ends training first in practice.</summary>
    public const int EpochsUnderTimeBudget = 100;

    /// <summary>Images per batch (the train command's default).</summary>
    public const int BatchSize = CnnTrainerOptions.DefaultBatchSize;

    /// <summary>Image classification or volumes.</summary>
    public Scenario Scenario { get; init; } = Scenario.ImageClassification;

    /// <summary>The MNIST folder as typed; null for the default (<c>$CNNML_DATA</c>, else data/mnist).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Training images to use; null for all.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Test images to use; null for all.</summary>
    public int? TestLimit { get; init; }

    /// <summary>The image folder (<c>--images</c>, Model Builder's layout) as typed; null for MNIST.</summary>
    public string? Images { get; init; }

    /// <summary>The network's input for an image folder (<c>--input</c>, CxHxW); null for MNIST.</summary>
    public string? Input { get; init; }

    /// <summary>The image folder's training images (after the held-out test share), for the progress interval; null for MNIST.</summary>
    public int? ImageFolderTrainImages { get; init; }

    /// <summary>Classes to train: MNIST's 10, or the image folder's labels.</summary>
    public int Classes { get; init; } = KnownInputs.MnistClasses;

    /// <summary>Frames per clip for <see cref="Scenario.Volumes"/>; null for images.</summary>
    public int? Frames { get; init; }

    /// <summary>The registry name of the chosen network.</summary>
    public string Architecture { get; init; } = CnnArchitectures.MnistCnn;

    /// <summary>CPU or CUDA.</summary>
    public TrainDevice Device { get; init; } = TrainDevice.Cpu;

    /// <summary>Epochs to train (the upper bound under a minutes budget).</summary>
    public int Epochs { get; init; } = CnnTrainerOptions.DefaultEpochs;

    /// <summary>The minutes budget, or null for an epochs budget.</summary>
    public double? MaxMinutes { get; init; }

    /// <summary><c>--optimizer</c>: adam, adamw or sgd.</summary>
    public string Optimizer { get; init; } = "adam";

    /// <summary><c>--momentum</c> (sgd), or null.</summary>
    public double? Momentum { get; init; }

    /// <summary><c>--lr</c>.</summary>
    public double LearningRate { get; init; } = CnnOptimizer.DefaultLearningRate;

    /// <summary><c>--schedule</c>.</summary>
    public string Schedule { get; init; } = "constant";

    /// <summary><c>--warmup-epochs</c>.</summary>
    public double WarmupEpochs { get; init; }

    /// <summary><c>--augment</c>, comma-separated, or null.</summary>
    public string? Augment { get; init; }

    /// <summary><c>--early-stopping</c> patience, or null.</summary>
    public int? EarlyStopping { get; init; }

    /// <summary><c>--label-smoothing</c>.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Where the model zip is saved; null when the user chose not to save.</summary>
    public string? Out { get; init; }

    /// <summary>
    /// The input one example gives the network: 1×28×28, 1×D×28×28 for clips, or <see cref="Input"/> for an image
    /// folder (null until the architecture step has asked it: each network then reads its own).
    /// </summary>
    public ImageShape? InputShape => Frames is { } frames ? ShiftedFrames.VolumeShape(KnownInputs.Mnist, frames)
        : Input is { } input ? ImageShape.Parse(input)
        : Images is null ? KnownInputs.Mnist : null;

    /// <summary>
    /// Progress every twentieth of an epoch, so that the live bars move smoothly whatever the data size
    /// (the train command's default of 100 batches is a long wait on a few thousand images).
    /// </summary>
    public int ReportEvery => Math.Max(1, (int)Math.Ceiling((TrainLimit ?? ImageFolderTrainImages ?? MnistTrainImages) / (double)BatchSize) / 20);

    /// <summary>These answers with the training controls at <c>cnnml train</c>'s defaults (the controls step's first choice).</summary>
    public WizardAnswers WithDefaultControls()
    {
        var defaults = new WizardAnswers();
        return this with
        {
            Optimizer = defaults.Optimizer,
            Momentum = defaults.Momentum,
            LearningRate = defaults.LearningRate,
            Schedule = defaults.Schedule,
            WarmupEpochs = defaults.WarmupEpochs,
            Augment = defaults.Augment,
            EarlyStopping = defaults.EarlyStopping,
            LabelSmoothing = defaults.LabelSmoothing,
        };
    }

    /// <summary>The train command's settings for these answers.</summary>
    public TrainSettings ToSettings() => new()
    {
        Architecture = Architecture,
        Epochs = Epochs,
        BatchSize = BatchSize,
        Data = DataDirectory,
        Images = Images,
        Input = Input,
        TrainLimit = TrainLimit,
        TestLimit = TestLimit,
        Frames = Frames,
        ReportEvery = ReportEvery,
        MaxMinutes = MaxMinutes,
        Device = Device,
        Out = Out,
        Optimizer = Optimizer,
        Momentum = Momentum,
        LearningRate = LearningRate,
        Schedule = Schedule,
        WarmupEpochs = WarmupEpochs,
        Augment = Augment,
        EarlyStopping = EarlyStopping,
        LabelSmoothing = LabelSmoothing,
    };

    /// <summary>The <c>cnnml train</c> arguments that run the same training without questions.</summary>
    public IReadOnlyList<string> CommandLineArguments()
    {
        var args = new List<string> { "train", "--arch", Architecture, "--epochs", Text(Epochs) };
        if (MaxMinutes is { } minutes) args.AddRange(["--max-minutes", minutes.ToString(CultureInfo.InvariantCulture)]);
        if (Frames is { } frames) args.AddRange(["--frames", Text(frames)]);
        if (Images is { } images) args.AddRange(["--images", images]);
        if (Input is { } input) args.AddRange(["--input", input]);
        if (DataDirectory is { } data) args.AddRange(["--data", data]);
        if (TrainLimit is { } train) args.AddRange(["--train-limit", Text(train)]);
        if (TestLimit is { } test) args.AddRange(["--test-limit", Text(test)]);
        if (ReportEvery != new TrainSettings().ReportEvery) args.AddRange(["--report-every", Text(ReportEvery)]);
        if (Device != TrainDevice.Cpu) args.AddRange(["--device", Device.ToString().ToLowerInvariant()]);
        var defaults = new TrainSettings();
        if (Optimizer != defaults.Optimizer) args.AddRange(["--optimizer", Optimizer]);
        if (Momentum is { } momentum) args.AddRange(["--momentum", Number(momentum)]);
        if (LearningRate != defaults.LearningRate) args.AddRange(["--lr", Number(LearningRate)]);
        if (Schedule != defaults.Schedule) args.AddRange(["--schedule", Schedule]);
        if (WarmupEpochs != defaults.WarmupEpochs) args.AddRange(["--warmup-epochs", Number(WarmupEpochs)]);
        if (Augment is { } augment) args.AddRange(["--augment", augment]);
        if (EarlyStopping is { } patience) args.AddRange(["--early-stopping", Text(patience)]);
        if (LabelSmoothing != defaults.LabelSmoothing) args.AddRange(["--label-smoothing", Number(LabelSmoothing)]);
        if (Out is { } path) args.AddRange(["--out", path]);
        return args;
    }

    /// <summary>The command line as a shell takes it: <c>cnnml train --arch mnist-cnn ...</c>.</summary>
    public string CommandLine() => "cnnml " + string.Join(' ', CommandLineArguments().Select(Quote));

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    // Single quotes keep spaces and shell characters literal; a single quote inside is closed, escaped and reopened.
    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsLetterOrDigit(c) || "-_./=:,+@%".Contains(c))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>What the guided mode trains for.</summary>
internal enum Scenario
{
    /// <summary>2D images, one label each.</summary>
    ImageClassification,

    /// <summary>3D volumes (clips of frames) for conv3d.</summary>
    Volumes,
}
