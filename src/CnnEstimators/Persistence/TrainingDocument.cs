namespace CnnMl.Persistence;

/// <summary>
/// training.json: where training stood at the end of an epoch — epochs and steps completed, the seed that
/// fixes the data order, the data it ran on, the settings a resumed run must share, and libtorch's
/// generator state (base64).
/// </summary>
internal sealed record TrainingDocument
{
    /// <summary>How the data order is derived: the shuffles of <c>new System.Random(seed)</c>, one per epoch, each permuting the previous order.</summary>
    public const string ShuffleEachEpoch = "dotnet-random-shuffle-each-epoch";

    /// <summary>Epochs finished.</summary>
    public required int EpochsCompleted { get; init; }

    /// <summary>Optimizer steps (batches) finished: epochsCompleted × batches per epoch.</summary>
    public required long StepsCompleted { get; init; }

    /// <summary>The planned epochs of the run that wrote the checkpoint (informational).</summary>
    public required int Epochs { get; init; }

    /// <summary>Examples per step.</summary>
    public required int BatchSize { get; init; }

    /// <summary>The optimizer's (base) learning rate.</summary>
    public required double LearningRate { get; init; }

    /// <summary>Seed of the weight initialization and of the data order.</summary>
    public required int Seed { get; init; }

    /// <summary>Always <see cref="ShuffleEachEpoch"/>.</summary>
    public required string DataOrder { get; init; }

    /// <summary>Training examples per epoch.</summary>
    public required int TrainExamples { get; init; }

    /// <summary>SHA-256 of the training examples (features and labels, in order), lower-case hex.</summary>
    public required string TrainDataSha256 { get; init; }

    /// <summary>libtorch's CPU generator state (<c>torch.random.get_rng_state()</c>), base64.</summary>
    public required string TorchGeneratorState { get; init; }

    /// <summary>Checks ranges and the consistency of steps with epochs, examples and batch size; returns the decoded generator state.</summary>
    /// <exception cref="InvalidDataException">Names the field and the rule.</exception>
    public byte[] Validate(int generatorStateLength)
    {
        const string entry = CheckpointEntries.Training;
        if (EpochsCompleted < 1 || Epochs < EpochsCompleted)
            throw new InvalidDataException($"{entry}: epochsCompleted {EpochsCompleted} must be at least 1 and at most epochs ({Epochs}).");
        if (BatchSize < 1 || TrainExamples < 1)
            throw new InvalidDataException($"{entry}: batchSize {BatchSize} and trainExamples {TrainExamples} must be at least 1.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new InvalidDataException($"{entry}: learningRate {LearningRate} must be a positive finite number.");
        if (DataOrder != ShuffleEachEpoch)
            throw new InvalidDataException($"{entry}: dataOrder '{SafetensorsReader.Shorten(DataOrder)}' is unknown; this CnnMl orders data by '{ShuffleEachEpoch}'.");
        var batches = BatchesPerEpoch(TrainExamples, BatchSize);
        if (StepsCompleted != (long)EpochsCompleted * batches)
            throw new InvalidDataException($"{entry}: stepsCompleted {StepsCompleted} should be {EpochsCompleted} epochs × {batches} batches = {(long)EpochsCompleted * batches}.");
        if (TrainDataSha256.Length != 64 || !TrainDataSha256.All(char.IsAsciiHexDigitLower))
            throw new InvalidDataException($"{entry}: trainDataSha256 must be 64 lower-case hex digits.");
        var state = new byte[generatorStateLength];
        if (TorchGeneratorState.Length != (generatorStateLength + 2) / 3 * 4
            || !Convert.TryFromBase64String(TorchGeneratorState, state, out var written) || written != generatorStateLength)
            throw new InvalidDataException($"{entry}: torchGeneratorState must be the base64 of {generatorStateLength} bytes (libtorch's CPU generator state).");
        return state;
    }

    /// <summary>Batches per epoch, as the training loop forms them.</summary>
    public static int BatchesPerEpoch(int examples, int batchSize)
    {
        var size = Math.Min(batchSize, examples);
        return (examples + size - 1) / size;
    }
}
