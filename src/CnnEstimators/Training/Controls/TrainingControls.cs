using CnnMl.Abstractions;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// One run's training controls from <see cref="CnnTrainerOptions"/>, in the order the loop meets them: the optimizer,
/// the learning rate of each step, the augmentation of each batch, the loss, and early stopping with the best weights.
/// </summary>
internal sealed class TrainingControls : IDisposable
{
    private readonly CnnTrainerOptions _options;
    private readonly int _seed;
    private readonly int _stepsPerEpoch;
    private readonly long _totalSteps;
    private readonly IBatchAugmentation? _augmentation;
    private readonly EarlyStoppingMonitor? _monitor;
    private Generator? _generator;
    private int _generatorEpoch = -1;
    private WeightSnapshot? _best;

    public TrainingControls(CnnTrainerOptions options, int seed, int stepsPerEpoch, int epochs, Device device)
    {
        _options = options;
        _seed = seed;
        _stepsPerEpoch = stepsPerEpoch;
        _totalSteps = (long)stepsPerEpoch * epochs;
        _augmentation = options.Augmentation;
        Loss = new ClassificationLoss(options.LabelSmoothing, options.ClassWeights, device);
        if (options.EarlyStopping is { } rule) _monitor = new EarlyStoppingMonitor(rule);
    }

    /// <summary>The training criterion.</summary>
    public ClassificationLoss Loss { get; }

    /// <summary>The 0-based best epoch, when early stopping watches one.</summary>
    public int? BestEpoch => _monitor?.BestEpoch;

    /// <summary>A new optimizer over <paramref name="parameters"/>.</summary>
    public optim.Optimizer CreateOptimizer(IEnumerable<Parameter> parameters) => _options.Optimizer.Create(parameters);

    /// <summary>
    /// The learning rate for step (<paramref name="epoch"/>, <paramref name="batch"/>) — the schedule's rate, or the
    /// constant one, times <paramref name="factor"/> (fine-tuning's unfrozen phase) — written into every parameter group.
    /// </summary>
    public double SetLearningRate(optim.Optimizer optimizer, int epoch, int batch, double factor = 1)
    {
        var baseRate = _options.Optimizer.LearningRate;
        if (_options.Schedule is null && factor == 1) return baseRate;
        var rate = factor * (_options.Schedule?.LearningRateAt((long)epoch * _stepsPerEpoch + batch, _totalSteps, _stepsPerEpoch, baseRate) ?? baseRate);
        SetLearningRate(optimizer, rate);
        return rate;
    }

    /// <summary>Sets every parameter group's learning rate (what <c>torch.optim.lr_scheduler</c> does on <c>step()</c>).</summary>
    public static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }

    /// <summary>The batch after the augmentation hook (unchanged without one), drawing from the epoch's generator.</summary>
    public Tensor Augment(Tensor images, int epoch)
    {
        if (_augmentation is null) return images;
        if (epoch != _generatorEpoch)
        {
            _generator?.Dispose();
            _generator = new Generator(AugmentationSeed(_seed, epoch));
            _generatorEpoch = epoch;
        }
        var augmented = _augmentation.Augment(images, _generator!);
        if (!augmented.shape.SequenceEqual(images.shape))
            throw new InvalidOperationException(
                $"The augmentation {_augmentation.GetType().Name} returned shape [{string.Join(", ", augmented.shape)}] for a batch of shape [{string.Join(", ", images.shape)}]; it must keep the shape.");
        return augmented;
    }

    /// <summary>
    /// The augmentation generator's seed for <paramref name="epoch"/>: a SplitMix64 mix of the training seed and the
    /// epoch, so every epoch has its own stream, derivable without replaying the ones before it.
    /// </summary>
    internal static ulong AugmentationSeed(int seed, int epoch)
    {
        var z = unchecked(((ulong)(uint)seed << 32 | (uint)epoch) + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Records the validation figures at the end of <paramref name="epoch"/>; keeps the weights when they are the best
    /// so far; returns true when early stopping says stop.
    /// </summary>
    public bool EndOfEpoch(int epoch, double accuracy, double loss, nn.Module module)
    {
        if (_monitor is null) return false;
        var (improved, stop) = _monitor.Update(epoch, accuracy, loss);
        if (improved && _options.EarlyStopping!.RestoreBestWeights)
        {
            _best?.Dispose();
            _best = WeightSnapshot.Take(module);
        }
        return stop;
    }

    /// <summary>Puts the best epoch's weights back, when early stopping keeps them. Returns whether it did.</summary>
    public bool RestoreBestWeights(nn.Module module)
    {
        if (_best is null) return false;
        _best.Restore(module);
        return true;
    }

    public void Dispose()
    {
        _generator?.Dispose();
        _best?.Dispose();
        Loss.Dispose();
    }
}
