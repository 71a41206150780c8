using System.Globalization;
using CnnMl.Data;
using Microsoft.ML;

namespace CnnMl.Training;

/// <summary>
/// The training (or validation) data of one <c>Fit</c>, held in memory when its image column fits
/// <see cref="CnnTrainerOptions.MaxInMemoryBytes"/> and .NET's array limit, streamed from the <see cref="IDataView"/>
/// otherwise; makes the batches the loop reads.
/// </summary>
internal sealed class TrainingData
{
    private const int BytesPerValue = sizeof(float);

    private readonly IDataView _data;
    private readonly CnnTrainerOptions _options;
    private readonly ImageShape _shape;

    private TrainingData(IDataView data, CnnTrainerOptions options, ImageShape shape, string role, InMemoryExamples? examples, long count, long skipped,
        long skippedNonFinite, string description)
    {
        Role = role;
        SkippedNonFinite = skippedNonFinite;
        _data = data;
        _options = options;
        _shape = shape;
        Examples = examples;
        Count = count;
        SkippedMissingLabels = skipped;
        Description = description;
    }

    /// <summary>The examples, when held in memory; null when streamed.</summary>
    public InMemoryExamples? Examples { get; }

    /// <summary>Whether the data is read from the cursor while training.</summary>
    public bool IsStreamed => Examples is null;

    /// <summary>Rows with a label (the rows trained on per epoch).</summary>
    public long Count { get; }

    /// <summary>Rows skipped because their label is missing.</summary>
    public long SkippedMissingLabels { get; }

    /// <summary>"training" or "validation", for messages.</summary>
    public string Role { get; }

    /// <summary>Rows skipped because their image holds NaN or ±Infinity (only with <see cref="CnnTrainerOptions.AllowNonFiniteFeatures"/>).</summary>
    public long SkippedNonFinite { get; }

    /// <summary>One line for the training log: in memory or streamed, and why.</summary>
    public string Description { get; }

    /// <summary>
    /// Decides how to hold <paramref name="data"/>: its size is rows × values per image × 4 bytes, the rows taken from
    /// <see cref="IDataView.GetRowCount"/> or, when the view does not know, counted over the label column alone.
    /// </summary>
    public static TrainingData Open(IDataView data, CnnTrainerOptions options, ImageShape shape, string role)
    {
        var valuesPerImage = shape.ElementCount;
        var rows = data.GetRowCount();
        LabeledRowCount? counted = null;
        if (rows is null)
        {
            counted = LabeledRowCount.Of(data, options.LabelColumnName);
            rows = counted.Value.Labeled + counted.Value.MissingLabel;
        }
        var bytes = rows.Value * valuesPerImage * BytesPerValue;
        var pastArrayLimit = rows.Value * valuesPerImage > Array.MaxLength;
        if (bytes <= options.MaxInMemoryBytes && !pastArrayLimit)
        {
            var examples = InMemoryExamples.Load(data, options.FeatureColumnName, options.LabelColumnName, checked((int)valuesPerImage),
                options.AllowNonFiniteFeatures, role.ToLowerInvariant());
            return new TrainingData(data, options, shape, role.ToLowerInvariant(), examples, examples.Count, examples.SkippedMissingLabels, examples.SkippedNonFinite,
                string.Create(CultureInfo.InvariantCulture, $"{role} data in memory: {examples.Count:N0} images, {bytes / 1e6:N1} MB (MaxInMemoryBytes {options.MaxInMemoryBytes:N0})."));
        }

        // Rows with NaN or infinite pixels are found while streaming: an error there, unless they are to be skipped —
        // then they must be known before training (the loop counts its batches), so the count pass reads the images too.
        var count = options.AllowNonFiniteFeatures
            ? LabeledRowCount.Of(data, options.LabelColumnName, options.FeatureColumnName, checked((int)valuesPerImage))
            : counted ?? LabeledRowCount.Of(data, options.LabelColumnName);
        var why = pastArrayLimit
            ? $"{rows.Value * valuesPerImage:N0} values exceed .NET's array limit ({Array.MaxLength:N0})"
            : $"{bytes / 1e6:N1} MB exceed MaxInMemoryBytes ({options.MaxInMemoryBytes:N0} bytes)";
        return new TrainingData(data, options, shape, role.ToLowerInvariant(), null, count.Labeled, count.MissingLabel, count.NonFinite,
            string.Create(CultureInfo.InvariantCulture, $"{role} data streamed from the IDataView ({why}): {count.Labeled:N0} images per pass"));
    }

    /// <summary>
    /// <see cref="CnnTrainerOptions.ValidationSetFraction"/>: this (training) data split into the rows trained on and a
    /// stratified, seeded share of every class held out for validation (<see cref="StratifiedHoldOut"/>, classes in
    /// index order). The data must be in memory.
    /// </summary>
    /// <exception cref="NotSupportedException">The data is streamed.</exception>
    /// <exception cref="InvalidOperationException">No class has two rows, so nothing can be held out.</exception>
    public (TrainingData Train, TrainingData Validation) HoldOut(double fraction, int seed)
    {
        if (Examples is not { } examples)
            throw new NotSupportedException(
                $"ValidationSetFraction holds out rows of the training data in memory, but it is streamed: {Description} " +
                "Raise MaxInMemoryBytes above the data's size, or pass a separate ValidationSet.");
        var held = StratifiedHoldOut.Choose(examples.Labels, examples.Labels.Distinct().Order(), fraction, seed);
        var validation = examples.Where(held, keep: true);
        if (validation.Count == 0)
            throw new InvalidOperationException(
                $"ValidationSetFraction {fraction.ToString(CultureInfo.InvariantCulture)} holds out nothing: no class of the {examples.Count:N0} training rows has two rows. " +
                "Add rows, or pass a ValidationSet.");
        var train = examples.Where(held, keep: false);
        var perClass = validation.Labels.GroupBy(l => l).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
        var description = string.Create(CultureInfo.InvariantCulture,
            $"Validation data: {validation.Count:N0} of the {examples.Count:N0} training images held out (ValidationSetFraction {fraction}, stratified, seed {seed}; " +
            $"per class index {string.Join(", ", perClass)}); {train.Count:N0} trained on.");
        return (new TrainingData(_data, _options, _shape, Role, train, train.Count, SkippedMissingLabels, SkippedNonFinite, Description),
            new TrainingData(_data, _options, _shape, "validation", validation, validation.Count, 0, 0, description));
    }

    /// <summary>Shuffle buffer rows when streaming: <see cref="CnnTrainerOptions.ShuffleBufferRows"/>, or what fits in half the memory budget (at least one batch).</summary>
    public int ShuffleRows
    {
        get
        {
            if (_options.ShuffleBufferRows is { } rows) return rows;
            var rowBytes = _shape.ElementCount * BytesPerValue;
            return (int)Math.Clamp(_options.MaxInMemoryBytes / 2 / rowBytes, Math.Min(_options.BatchSize, Math.Max(1, Count)), Math.Max(1, Count));
        }
    }

    /// <summary>Training batches: shuffled every epoch from <paramref name="seed"/>.</summary>
    public IExampleBatches TrainingBatches(int seed, bool pinned, out string description)
    {
        if (Examples is { } examples)
        {
            description = Description;
            return InMemoryBatches.Shuffled(examples, _options.BatchSize, seed, _shape, pinned);
        }
        var batches = new StreamingBatches(_data, _options.FeatureColumnName, _options.LabelColumnName, _shape, Count, _options.BatchSize,
            ShuffleRows, seed, _options.PrefetchBatches, pinned, _options.AllowNonFiniteFeatures, Role);
        description = string.Create(CultureInfo.InvariantCulture,
            $"{Description}, a shuffle buffer of {batches.ShuffleRows:N0} rows ({(double)batches.ShuffleRows * _shape.ElementCount * BytesPerValue / 1e6:N1} MB), " +
            $"{(batches.Prefetch == 0 ? "batches prepared on the training thread" : $"up to {batches.Prefetch} batches prepared ahead on a background task")}.");
        return batches;
    }

    /// <summary>Batches in the data's order (validation), <paramref name="batchSize"/> rows each.</summary>
    public IExampleBatches OrderedBatches(int batchSize, bool pinned) => Examples is { } examples
        ? InMemoryBatches.InOrder(examples, batchSize, _shape)
        : new StreamingBatches(_data, _options.FeatureColumnName, _options.LabelColumnName, _shape, Count, batchSize, 0, 0, _options.PrefetchBatches, pinned,
            _options.AllowNonFiniteFeatures, Role);
}
