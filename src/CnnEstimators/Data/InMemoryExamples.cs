using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Data;

/// <summary>
/// Labelled examples copied out of an <see cref="IDataView"/> once, into one contiguous float array,
/// so that every epoch can reshuffle and build batches without going back through the pipeline.
/// </summary>
internal sealed class InMemoryExamples
{
    private InMemoryExamples(float[] features, long[] labels, int count, int featureSize, long skippedMissingLabels)
    {
        Features = features;
        Labels = labels;
        Count = count;
        FeatureSize = featureSize;
        SkippedMissingLabels = skippedMissingLabels;
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

    /// <summary>No examples (a placeholder where examples are not needed).</summary>
    public static InMemoryExamples Empty(int featureSize) => new([], [], 0, featureSize, 0);

    /// <summary>Reads the feature vectors and key labels of every row.</summary>
    public static InMemoryExamples Load(IDataView data, string featureColumn, string labelColumn, int featureSize)
    {
        var feature = data.Schema[featureColumn];
        var label = data.Schema[labelColumn];
        var capacity = (int)Math.Min(data.GetRowCount() ?? 1024, int.MaxValue / Math.Max(1, featureSize));
        var features = new float[(long)capacity * featureSize];
        var labels = new long[capacity];
        var count = 0;
        long skipped = 0;

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
            FeatureVectors.CopyDense(vector, features.AsSpan(count * featureSize, featureSize), featureColumn, cursor.Position);
            labels[count] = (long)(key - 1);
            count++;
        }
        return new InMemoryExamples(features, labels, count, featureSize, skipped);
    }
}
