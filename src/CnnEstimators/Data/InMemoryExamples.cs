using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Data;

/// <summary>
/// Labeled examples copied out of an <see cref="IDataView"/> once, into one contiguous float array,
/// so that every epoch can reshuffle and build batches without going back through the pipeline.
/// </summary>
internal sealed class InMemoryExamples
{
    private InMemoryExamples(float[] features, long[] labels, int count, int featureSize, long skippedMissingLabels, long skippedNonFinite)
    {
        Features = features;
        Labels = labels;
        Count = count;
        FeatureSize = featureSize;
        SkippedMissingLabels = skippedMissingLabels;
        SkippedNonFinite = skippedNonFinite;
    }

    /// <summary>Count × FeatureSize values, row-major.</summary>
    public float[] Features { get; }

    /// <summary>Class index of each example (key value − 1).</summary>
    public long[] Labels { get; }

    /// <summary>Number of examples kept.</summary>
    public int Count { get; }

    /// <summary>Values per example.</summary>
    public int FeatureSize { get; }

    /// <summary>Rows dropped because their label was missing (key 0).</summary>
    public long SkippedMissingLabels { get; }

    /// <summary>Rows dropped because their features held NaN or ±Infinity (only with <c>skipNonFinite</c>).</summary>
    public long SkippedNonFinite { get; }

    /// <summary>The examples whose <paramref name="mask"/> entry equals <paramref name="keep"/>, in their order (one copy of their features).</summary>
    public InMemoryExamples Where(bool[] mask, bool keep)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.Length != Count) throw new ArgumentException($"The mask has {mask.Length} entries for {Count} examples.", nameof(mask));
        var kept = mask.Count(m => m == keep);
        var features = new float[(long)kept * FeatureSize];
        var labels = new long[kept];
        var next = 0;
        for (var row = 0; row < Count; row++)
        {
            if (mask[row] != keep) continue;
            Features.AsSpan(row * FeatureSize, FeatureSize).CopyTo(features.AsSpan(next * FeatureSize, FeatureSize));
            labels[next++] = Labels[row];
        }
        return new InMemoryExamples(features, labels, kept, FeatureSize, 0, 0);
    }

    /// <summary>No examples (a placeholder where examples are not needed).</summary>
    public static InMemoryExamples Empty(int featureSize) => new([], [], 0, featureSize, 0, 0);

    /// <summary>Reads the feature vectors and key labels of every row.</summary>
    /// <param name="data">The rows.</param>
    /// <param name="featureColumn">The image column.</param>
    /// <param name="labelColumn">The key label column.</param>
    /// <param name="featureSize">Values per image.</param>
    /// <param name="skipNonFinite">Skip rows whose image holds NaN or ±Infinity instead of throwing.</param>
    /// <param name="role">What the data is, for messages: "training" or "validation".</param>
    /// <exception cref="InvalidOperationException">A row's image holds NaN or ±Infinity and <paramref name="skipNonFinite"/> is false.</exception>
    public static InMemoryExamples Load(IDataView data, string featureColumn, string labelColumn, int featureSize, bool skipNonFinite = false, string role = "training")
    {
        var feature = data.Schema[featureColumn];
        var label = data.Schema[labelColumn];
        var capacity = (int)Math.Min(data.GetRowCount() ?? 1024, int.MaxValue / Math.Max(1, featureSize));
        var features = new float[(long)capacity * featureSize];
        var labels = new long[capacity];
        var count = 0;
        long skipped = 0, skippedNonFinite = 0;

        using var cursor = data.GetRowCursor([feature, label]);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(feature);
        var getLabel = KeyReader.Create(cursor, label);
        var vector = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            var key = getLabel();
            if (key == 0)
            {
                skipped++;
                continue;
            }
            if (count == labels.Length)
            {
                var grown = checked(labels.Length * 2);
                Array.Resize(ref labels, grown);
                Array.Resize(ref features, checked(grown * featureSize));
            }
            getFeatures(ref vector);
            var row = features.AsSpan(count * featureSize, featureSize);
            FeatureVectors.CopyDense(vector, row, featureColumn, cursor.Position);
            // One NaN pixel makes every weight NaN after a step: refuse (or skip) it here, naming the row.
            if (NonFiniteValues.IndexOfFirst(row) is var bad and >= 0)
            {
                if (!skipNonFinite) throw NonFiniteValues.RowError(cursor.Position, role, featureColumn, row[bad], bad, featureSize);
                skippedNonFinite++;
                continue;
            }
            labels[count] = (long)(key - 1);
            count++;
        }
        return new InMemoryExamples(features, labels, count, featureSize, skipped, skippedNonFinite);
    }
}
