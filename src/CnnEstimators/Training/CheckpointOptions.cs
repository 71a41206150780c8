namespace CnnMl.Training;

/// <summary>Training checkpoints (<see cref="CnnTrainerOptions.Checkpoints"/>): where to write them and which one to continue from.</summary>
public sealed class CheckpointOptions
{
    /// <summary>
    /// Where to write a training checkpoint at the end of every epoch (null: none). The file is replaced atomically
    /// (a temporary file in the same folder, flushed to disk, renamed over it), so it always holds the last finished
    /// epoch: the weights, the optimizer's kind, settings and state, the epoch and step counts, the seed and libtorch's
    /// generator state. Its folder must exist. The optimizer must be registered (<see cref="Optimizers.CnnOptimizers"/>).
    /// Format: docs/checkpoint-format.md.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// A checkpoint written through <see cref="Path"/> to continue training from (null: start afresh).
    /// <see cref="CnnTrainerOptions.Epochs"/> counts every epoch of the run, those already done included: a run of 3
    /// epochs stopped after 2 resumes with <c>Epochs = 3</c> and trains one more. The options (architecture, shape,
    /// columns, batch size, optimizer and its settings, seed if set) and the training data must be those of the
    /// interrupted run; <c>Fit</c> throws <see cref="InvalidOperationException"/> naming the first difference. On the
    /// CPU with one thread the result is bitwise the weights of the uninterrupted run. A damaged file throws
    /// <see cref="InvalidDataException"/>.
    /// </summary>
    public string? ResumeFrom { get; set; }

    internal void Validate()
    {
        if (Path is not null && string.IsNullOrWhiteSpace(Path))
            throw new ArgumentException($"Checkpoints.Path must be a file path or null (got '{Path}').", "Checkpoints.Path");
        if (ResumeFrom is not null && string.IsNullOrWhiteSpace(ResumeFrom))
            throw new ArgumentException($"Checkpoints.ResumeFrom must be a file path or null (got '{ResumeFrom}').", "Checkpoints.ResumeFrom");
    }
}
