using System.Diagnostics;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// The training loop: Adam on cross-entropy (plus the architecture's loss terms), a fresh shuffle every
/// epoch, one dispose scope per step, periodic reports and optional validation outside the timed work.
/// </summary>
internal sealed class TrainingLoop
{
    private const int ValidationBatchSize = 1000;

    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly ImageShape _shape;
    private readonly Device _device;
    private readonly string _deviceName;
    private readonly CnnTrainerOptions _options;
    private readonly Action<TrainingReport> _report;
    private readonly ITrainingProgressObserver[] _observers;
    private readonly ITrainingLossTerm[] _lossTerms;

    private readonly BackboneFreezing? _freezing;

    public TrainingLoop(nn.Module<Tensor, Tensor> module, ImageShape shape, Device device, string deviceName,
        CnnTrainerOptions options, Action<TrainingReport> report, BackboneFreezing? freezing = null)
    {
        _freezing = freezing;
        _module = module;
        _shape = shape;
        _device = device;
        _deviceName = deviceName;
        _options = options;
        _report = report;
        var tree = module.modules().Prepend(module).Distinct().ToArray();
        _observers = tree.OfType<ITrainingProgressObserver>().ToArray();
        _lossTerms = tree.OfType<ITrainingLossTerm>().ToArray();
    }

    /// <param name="train">Training examples.</param>
    /// <param name="validation">Examples to measure accuracy on, or null.</param>
    /// <param name="seed">Seed of the data order.</param>
    /// <param name="resume">A training checkpoint to continue from: its optimizer state, finished epochs and generator state.</param>
    /// <param name="epochCompleted">Called after each epoch with the epochs done and the optimizer (writes the checkpoint).</param>
    public TrainingSummary Run(InMemoryExamples train, InMemoryExamples? validation, int seed,
        CheckpointContents? resume = null, Action<int, optim.Optimizer>? epochCompleted = null)
    {
        var epochs = _options.Epochs;
        var batchSize = Math.Min(_options.BatchSize, train.Count);
        var batchesPerEpoch = (train.Count + batchSize - 1) / batchSize;
        var featureSize = train.FeatureSize;
        var features = new float[batchSize * featureSize];
        var labels = new long[batchSize];
        var order = Enumerable.Range(0, train.Count).ToArray();
        var shuffle = new Random(seed);
        var reports = new List<TrainingReport>();
        var clock = new Stopwatch();
        double lastLoss = double.NaN, lastTrainAccuracy = double.NaN;
        double? lastValidation = null;
        long totalImages = 0;

        void Emit(TrainingReport r)
        {
            reports.Add(r);
            _report(r);
        }

        TrainingReport Report(TrainingReportKind kind, int epoch, int batch, long seen, double? validationAccuracy) => new()
        {
            Kind = kind, Epoch = epoch + 1, Epochs = epochs, Batch = batch, BatchesPerEpoch = batchesPerEpoch,
            ImagesSeen = seen, ImagesPerEpoch = train.Count, Loss = lastLoss, TrainAccuracy = lastTrainAccuracy,
            ValidationAccuracy = validationAccuracy, TrainSeconds = clock.Elapsed.TotalSeconds,
            TotalImagesTrained = totalImages, Device = _deviceName,
        };

        var firstEpoch = resume?.Training?.EpochsCompleted ?? 0;
        Emit(Report(TrainingReportKind.Started, firstEpoch, 0, 0, null));
        using var optimizer = optim.Adam(_module.parameters(), _options.LearningRate);
        if (resume is not null)
        {
            resume.Optimizer!.RestoreInto(optimizer);
            // Each epoch reshuffles the previous order in place: replaying the finished epochs' shuffles leaves
            // the order and the Random where the interrupted run left them.
            for (var epoch = 0; epoch < firstEpoch; epoch++) shuffle.Shuffle(order);
            using var generator = tensor(resume.GeneratorState!);
            torch.random.set_rng_state(generator);
        }
        _module.train();
        for (var epoch = firstEpoch; epoch < epochs; epoch++)
        {
            shuffle.Shuffle(order);
            long seen = 0, correct = 0;
            for (var batch = 0; batch < batchesPerEpoch; batch++)
            {
                _options.CancellationToken.ThrowIfCancellationRequested();
                var start = batch * batchSize;
                var count = Math.Min(batchSize, train.Count - start);
                clock.Start();
                foreach (var observer in _observers) observer.OnTrainingProgress(new TrainingProgress(epoch, batch, batchesPerEpoch, epochs));
                _freezing?.BeforeBatch(epoch, optimizer);
                for (var i = 0; i < count; i++)
                {
                    var row = order[start + i];
                    train.Features.AsSpan(row * featureSize, featureSize).CopyTo(features.AsSpan(i * featureSize));
                    labels[i] = train.Labels[row];
                }
                var (loss, hits) = Step(optimizer, features, labels, count);
                clock.Stop();
                // The loss is read every step anyway: checking it costs no extra device sync.
                if (!double.IsFinite(loss)) throw new NonFiniteLossException(loss, epoch + 1, batch + 1, batchesPerEpoch, _options.LearningRate);

                seen += count;
                totalImages += count;
                correct += hits;
                lastLoss = loss;
                lastTrainAccuracy = (double)correct / seen;
                var batchNumber = batch + 1;
                var validateNow = validation is not null && _options.ValidateEveryBatches > 0 && batchNumber % _options.ValidateEveryBatches == 0;
                if (validateNow) lastValidation = Accuracy(validation!);
                var reportNow = _options.ReportEveryBatches > 0 && batchNumber % _options.ReportEveryBatches == 0 && batchNumber < batchesPerEpoch;
                if (reportNow || validateNow)
                    Emit(Report(TrainingReportKind.Batch, epoch, batchNumber, seen, validateNow ? lastValidation : null));
            }
            if (validation is not null) lastValidation = Accuracy(validation);
            epochCompleted?.Invoke(epoch + 1, optimizer);
            Emit(Report(TrainingReportKind.EpochEnd, epoch, batchesPerEpoch, seen, validation is null ? null : lastValidation));
        }
        // The last step's update comes after its (finite) loss: make sure it left finite weights.
        if (NonFiniteWeights.FirstParameter(_module) is { } diverged)
            throw new NonFiniteLossException(double.NaN, epochs, batchesPerEpoch, batchesPerEpoch, _options.LearningRate, $"weight '{diverged}'");
        _module.eval();
        Emit(Report(TrainingReportKind.Completed, epochs - 1, batchesPerEpoch, train.Count, null));

        return new TrainingSummary
        {
            Epochs = epochs - firstEpoch, TrainImages = train.Count, TrainSeconds = clock.Elapsed.TotalSeconds, FinalLoss = lastLoss,
            FinalTrainAccuracy = lastTrainAccuracy, FinalValidationAccuracy = lastValidation,
            TrainedParameters = _module.parameters().Where(p => p.requires_grad).Sum(p => p.numel()),
            Device = _deviceName, Seed = seed, Reports = reports,
        };
    }

    private (double Loss, long Correct) Step(optim.Optimizer optimizer, float[] features, long[] labels, int count)
    {
        using var scope = NewDisposeScope();
        var x = ToDevice(tensor(features.AsMemory(0, count * (int)_shape.ElementCount), _shape.WithBatch(count)));
        var y = ToDevice(tensor(labels.AsMemory(0, count), [count]));
        var logits = _module.call(x);
        var loss = nn.functional.cross_entropy(logits, y);
        foreach (var term in _lossTerms)
        {
            if (term.ComputeLossTerm() is { } extra) loss = loss + extra;
        }
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        return (loss.item<float>(), logits.argmax(1).eq(y).sum().item<long>());
    }

    /// <summary>Accuracy of the current weights on <paramref name="data"/>, in eval mode; restores training mode.</summary>
    private double Accuracy(InMemoryExamples data)
    {
        _module.eval();
        long correct = 0;
        using (no_grad())
        {
            for (var start = 0; start < data.Count; start += ValidationBatchSize)
            {
                using var scope = NewDisposeScope();
                var count = Math.Min(ValidationBatchSize, data.Count - start);
                var x = ToDevice(tensor(data.Features.AsMemory(start * data.FeatureSize, count * data.FeatureSize), _shape.WithBatch(count)));
                var y = ToDevice(tensor(data.Labels.AsMemory(start, count), [count]));
                correct += _module.call(x).argmax(1).eq(y).sum().item<long>();
            }
        }
        _module.train();
        return data.Count == 0 ? double.NaN : (double)correct / data.Count;
    }

    private Tensor ToDevice(Tensor t) => _device.type == DeviceType.CPU ? t : t.to(_device);
}
