using CnnMl.Data;
using CnnMl.Persistence;
using CnnMl.Scoring;
using Microsoft.ML;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// One <c>Fit</c>'s checkpoints: the checkpoint to resume from (<see cref="CheckpointOptions.ResumeFrom"/>), read and
/// checked against the options and data before training starts, and the writer for
/// <see cref="CheckpointOptions.Path"/>. Both record the training data's fingerprint, since a resumed run
/// must see the data of the interrupted one.
/// </summary>
internal sealed class TrainingCheckpoints : IDisposable
{
    private readonly TrainingCheckpointWriter? _writer;

    private TrainingCheckpoints(CheckpointContents? resume, TrainingCheckpointWriter? writer, int seed)
    {
        Resume = resume;
        _writer = writer;
        Seed = seed;
    }

    /// <summary>The checkpoint to continue from, or null.</summary>
    public CheckpointContents? Resume { get; }

    /// <summary>The seed of the run: the interrupted run's when resuming.</summary>
    public int Seed { get; }

    /// <summary>Reads <see cref="CheckpointOptions.ResumeFrom"/> and prepares <see cref="CheckpointOptions.Path"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">Checkpoints.Path's folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume from is damaged.</exception>
    /// <exception cref="InvalidOperationException">It does not continue this run (other options or data).</exception>
    public static TrainingCheckpoints Open(CnnTrainerOptions options, CnnModelDefinition definition, DataViewSchema.Annotations labelAnnotations,
        InMemoryExamples train, int seed)
    {
        if (options.Checkpoints.Path is null && options.Checkpoints.ResumeFrom is null) return new TrainingCheckpoints(null, null, seed);
        if (options.Checkpoints.Path is { } path && Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Checkpoints.Path '{path}': the folder '{folder}' does not exist. Create it first.");

        var trainData = TrainingDataFingerprint.Of(train);
        var resume = options.Checkpoints.ResumeFrom is { } from ? CnnCheckpoint.Read(from) : null;
        try
        {
            if (resume is not null)
            {
                ResumeCompatibility.Check(resume, options, definition.ImageShape, definition.ClassCount, definition.ClassNames, train.Count, trainData);
                seed = resume.Training!.Seed;
            }
            var writer = options.Checkpoints.Path is { } checkpointPath
                ? new TrainingCheckpointWriter(checkpointPath, DefinitionDocuments.ToDocument(definition, labelAnnotations, options.Scoring.BatchSize),
                    options, seed, train.Count, trainData)
                : null;
            return new TrainingCheckpoints(resume, writer, seed);
        }
        catch
        {
            resume?.Dispose();
            throw;
        }
    }

    /// <summary>The network to train: the checkpoint's, or null to build a fresh one.</summary>
    public nn.Module<Tensor, Tensor>? TakeResumedModule() => Resume?.TakeModule();

    /// <summary>What the loop calls after each epoch: writes the checkpoint of <paramref name="module"/>, or null without Checkpoints.Path.</summary>
    public Action<int, optim.Optimizer>? EpochCompleted(nn.Module<Tensor, Tensor> module) =>
        _writer is null ? null : (epochs, optimizer) => _writer.Write(epochs, module, optimizer);

    /// <inheritdoc />
    public void Dispose() => Resume?.Dispose();
}
