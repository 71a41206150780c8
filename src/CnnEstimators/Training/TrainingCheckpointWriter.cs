using CnnMl.Persistence;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// Writes <see cref="CheckpointOptions.Path"/> at the end of every epoch: the network, the optimizer's kind, settings and state, and
/// where training stands, atomically, so an interrupted run can continue from its last finished epoch.
/// </summary>
internal sealed class TrainingCheckpointWriter
{
    private readonly string _path;
    private readonly DefinitionDocument _definition;
    private readonly CnnTrainerOptions _options;
    private readonly int _seed;
    private readonly int _trainExamples;
    private readonly string _trainDataSha256;

    public TrainingCheckpointWriter(string path, DefinitionDocument definition, CnnTrainerOptions options, int seed, int trainExamples, string trainDataSha256)
    {
        _path = path;
        _definition = definition;
        _options = options;
        _seed = seed;
        _trainExamples = trainExamples;
        _trainDataSha256 = trainDataSha256;
    }

    /// <summary>Tests only: wraps the file stream of every write.</summary>
    internal Func<Stream, Stream>? Interpose { get; init; }

    /// <summary>Writes the checkpoint after <paramref name="epochsCompleted"/> epochs.</summary>
    public void Write(int epochsCompleted, nn.Module<Tensor, Tensor> module, optim.Optimizer optimizer)
    {
        var training = new TrainingDocument
        {
            EpochsCompleted = epochsCompleted,
            StepsCompleted = (long)epochsCompleted * TrainingDocument.BatchesPerEpoch(_trainExamples, _options.BatchSize),
            Epochs = _options.Epochs,
            BatchSize = _options.BatchSize,
            LearningRate = _options.Optimizer.LearningRate,
            Seed = _seed,
            DataOrder = TrainingDocument.ShuffleEachEpoch,
            TrainExamples = _trainExamples,
            TrainDataSha256 = _trainDataSha256,
            TorchGeneratorState = CnnCheckpoint.CurrentGeneratorState(),
        };
        CnnCheckpoint.WriteTraining(_path, _definition, module, _options.Optimizer, optimizer, training, Interpose);
    }
}
