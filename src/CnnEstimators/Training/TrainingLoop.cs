using System.Diagnostics;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Persistence;
using CnnMl.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// The training loop: the optimizer on cross-entropy (plus the architecture's loss terms), a fresh shuffle every
/// epoch, one dispose scope per step, periodic reports and optional validation outside the timed work. The options'
/// training controls (schedule, augmentation, loss, early stopping) come through <see cref="TrainingControls"/>.
/// </summary>
internal sealed class TrainingLoop
{
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly ImageShape _shape;
    private readonly Device _device;
    private readonly string _deviceName;
    private readonly CnnTrainerOptions _options;
    private readonly Action<TrainingReport> _report;
    private readonly ITrainingProgressObserver[] _observers;
    private readonly TrainingStep _step;
    private readonly BackboneFreezing? _freezing;
    private readonly Action<int, int> _checkAlive;

    // checkAlive: called before every training batch with its epoch and batch (1-based) and before every validation
    // batch with epoch 0; throws OperationCanceledException when the host was canceled (MLContext.CancelExecution).
    public TrainingLoop(nn.Module<Tensor, Tensor> module, ImageShape shape, Device device, string deviceName,
        CnnTrainerOptions options, Action<TrainingReport> report, BackboneFreezing? freezing = null, Action<int, int>? checkAlive = null)
    {
        _freezing = freezing;
        _checkAlive = checkAlive ?? ((_, _) => { });
        _module = module;
        _shape = shape;
        _device = device;
        _deviceName = deviceName;
        _options = options;
        _report = report;
        _observers = module.modules().Prepend(module).Distinct().OfType<ITrainingProgressObserver>().ToArray();
        _step = new TrainingStep(module, device, options.MixedPrecision);
    }

    /// <param name="train">Training batches (they draw their own order each epoch).</param>
    /// <param name="validation">Batches to measure accuracy on, or null.</param>
    /// <param name="seed">Seed of the data order (for the summary).</param>
    /// <param name="resume">A training checkpoint to continue from: its optimizer state, finished epochs and generator state.</param>
    /// <param name="epochCompleted">Called after each epoch with the epochs done and the optimizer (writes the checkpoint).</param>
    public TrainingSummary Run(IExampleBatches train, IExampleBatches? validation, int seed,
        CheckpointContents? resume = null, Action<int, optim.Optimizer>? epochCompleted = null)
    {
        var epochs = _options.Epochs;
        var batchesPerEpoch = train.BatchesPerPass;
        var reports = new List<TrainingReport>();
        var batchLosses = new List<double>();
        var clock = new Stopwatch();
        double lastLoss = double.NaN, lastTrainAccuracy = double.NaN, lastRate = double.NaN;
        double? lastValidation = null, lastValidationLoss = null;
        long totalImages = 0;
        var stoppedEarly = false;
        var timeLimitReached = false;
        var wallClock = Stopwatch.StartNew(); // the time limit counts validation too: it is the user's wait
        using var controls = new TrainingControls(_options, seed, batchesPerEpoch, epochs, _device);

        void Emit(TrainingReport r)
        {
            reports.Add(r);
            _report(r);
        }

        TrainingReport Report(TrainingReportKind kind, int epoch, int batch, long seen, double? validationAccuracy) => new()
        {
            Kind = kind, Epoch = epoch + 1, Epochs = epochs, Batch = batch, BatchesPerEpoch = batchesPerEpoch,
            ImagesSeen = seen, ImagesPerEpoch = train.Count, Loss = lastLoss, TrainAccuracy = lastTrainAccuracy,
            ValidationAccuracy = validationAccuracy, ValidationLoss = validationAccuracy is null ? null : lastValidationLoss,
            LearningRate = lastRate, TrainSeconds = clock.Elapsed.TotalSeconds, TotalImagesTrained = totalImages, Device = _deviceName,
        };

        var firstEpoch = resume?.Training?.EpochsCompleted ?? 0;
        var lastEpoch = firstEpoch;
        Emit(Report(TrainingReportKind.Started, firstEpoch, 0, 0, null));
        using var optimizer = controls.CreateOptimizer(_module.parameters());
        if (resume is not null)
        {
            resume.Optimizer!.RestoreInto(optimizer);
            // Each epoch reshuffles the previous order in place: replaying the finished epochs' shuffles leaves
            // the order and the Random where the interrupted run left them.
            for (var epoch = 0; epoch < firstEpoch; epoch++) train.BeginPass();
            using var generator = tensor(resume.GeneratorState!);
            DefaultGeneratorLease.Restore(generator);
        }
        _module.train();
        for (var epoch = firstEpoch; epoch < epochs; epoch++)
        {
            train.BeginPass();
            using var batches = train.Batches(_options.CancellationToken).GetEnumerator();
            var batchesDone = 0; // fewer than batchesPerEpoch when the time limit cuts the epoch
            long seen = 0, correct = 0;
            for (var batch = 0; batch < batchesPerEpoch; batch++)
            {
                _options.CancellationToken.ThrowIfCancellationRequested();
                _checkAlive(epoch + 1, batch + 1);
                // Mid-epoch only (the end of an epoch checks too): a cut epoch has at least one batch.
                if (batch > 0 && _options.TimeLimit is { } limit && wallClock.Elapsed >= limit)
                {
                    timeLimitReached = true;
                    break;
                }
                clock.Start();
                foreach (var observer in _observers) observer.OnTrainingProgress(new TrainingProgress(epoch, batch, batchesPerEpoch, epochs));
                _freezing?.BeforeBatch(epoch);
                if (!batches.MoveNext()) throw new InvalidOperationException($"The training data ended after {batch} of {batchesPerEpoch} batches in epoch {epoch + 1}: it held fewer rows than counted ({train.Count}). Data read while training must not change.");
                var count = batches.Current.Count;
                batchesDone++;
                controls.SetLearningRate(optimizer, epoch, batch, _freezing?.LearningRateFactor(epoch) ?? 1);
                var (loss, hits) = _step.Run(optimizer, controls, epoch, batches.Current);
                lastRate = optimizer.ParamGroups.First().LearningRate; // what the optimizer used, as reports show it
                clock.Stop();
                // The loss is read every step anyway: checking it costs no extra device sync.
                if (!double.IsFinite(loss)) throw new NonFiniteLossException(loss, epoch + 1, batch + 1, batchesPerEpoch, lastRate);

                seen += count;
                totalImages += count;
                correct += hits;
                lastLoss = loss;
                batchLosses.Add(loss);
                lastTrainAccuracy = (double)correct / seen;
                var batchNumber = batch + 1;
                var validateNow = validation is not null && _options.ValidateEveryBatches > 0 && batchNumber % _options.ValidateEveryBatches == 0;
                if (validateNow) (lastValidation, lastValidationLoss) = Validate(validation!);
                var reportNow = _options.ReportEveryBatches > 0 && batchNumber % _options.ReportEveryBatches == 0 && batchNumber < batchesPerEpoch;
                if (reportNow || validateNow)
                    Emit(Report(TrainingReportKind.Batch, epoch, batchNumber, seen, validateNow ? lastValidation : null));
            }
            if (validation is not null) (lastValidation, lastValidationLoss) = Validate(validation);
            lastEpoch = epoch + 1;
            // A checkpoint holds finished epochs only: an epoch cut by the time limit is not one.
            if (!timeLimitReached) epochCompleted?.Invoke(epoch + 1, optimizer);
            Emit(Report(TrainingReportKind.EpochEnd, epoch, batchesDone, seen, validation is null ? null : lastValidation));
            if (validation is not null && controls.EndOfEpoch(epoch, lastValidation!.Value, lastValidationLoss!.Value, _module))
            {
                stoppedEarly = epoch + 1 < epochs;
                break;
            }
            if (timeLimitReached) break;
            if (_options.TimeLimit is { } budget && wallClock.Elapsed >= budget && epoch + 1 < epochs)
            {
                timeLimitReached = true;
                break;
            }
        }
        var restored = controls.RestoreBestWeights(_module);
        // The last step's update comes after its (finite) loss: make sure it left finite weights.
        if (NonFiniteWeights.FirstParameter(_module) is { } diverged)
            throw new NonFiniteLossException(double.NaN, lastEpoch, batchesPerEpoch, batchesPerEpoch, lastRate, $"weight '{diverged}'");
        _module.eval();
        Emit(Report(TrainingReportKind.Completed, lastEpoch - 1, batchesPerEpoch, train.Count, null));

        return new TrainingSummary
        {
            Epochs = lastEpoch - firstEpoch, TrainImages = train.Count, TrainSeconds = clock.Elapsed.TotalSeconds, FinalLoss = lastLoss,
            FinalTrainAccuracy = lastTrainAccuracy, FinalValidationAccuracy = lastValidation, FinalValidationLoss = lastValidationLoss,
            ImagesTrained = totalImages, StoppedEarly = stoppedEarly, TimeLimitReached = timeLimitReached, BestEpoch = controls.BestEpoch + 1, RestoredBestWeights = restored,
            TrainedParameters = _module.parameters().Where(p => p.requires_grad).Sum(p => p.numel()),
            Device = _deviceName, Seed = seed, Reports = reports, BatchLosses = batchLosses,
        };
    }

    /// <summary>Accuracy and mean cross-entropy of the current weights on <paramref name="data"/>, in eval mode; restores training mode.</summary>
    private (double Accuracy, double Loss) Validate(IExampleBatches data)
    {
        _module.eval();
        long correct = 0;
        double loss = 0;
        using (no_grad())
        {
            data.BeginPass();
            var batch = 0;
            foreach (var examples in data.Batches(_options.CancellationToken))
            {
                _checkAlive(0, ++batch);
                using var scope = NewDisposeScope();
                var x = _step.ToDevice(examples.Images(), examples.Pinned);
                var y = _step.ToDevice(examples.Labels(), examples.Pinned);
                var logits = _module.call(x);
                correct += logits.argmax(1).eq(y).sum().item<long>();
                loss += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).to(float64).item<double>();
            }
        }
        _module.train();
        return data.Count == 0 ? (double.NaN, double.NaN) : ((double)correct / data.Count, loss / data.Count);
    }
}
