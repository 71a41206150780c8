using Microsoft.ML;

namespace CnnMl.Data;

/// <summary>
/// How many rows of an <see cref="IDataView"/> have a label, counted by one pass over the label column alone (ML.NET
/// computes only the columns a cursor asks for, so images are neither loaded nor decoded) — or over the images too,
/// when rows with non-finite pixels are to be skipped.
/// </summary>
internal readonly record struct LabeledRowCount(long Labeled, long MissingLabel, long NonFinite = 0)
{
    /// <summary>Counts the rows of <paramref name="data"/> whose key label <paramref name="labelColumn"/> is set, and those where it is missing.</summary>
    public static LabeledRowCount Of(IDataView data, string labelColumn)
    {
        var label = data.Schema[labelColumn];
        using var cursor = data.GetRowCursor([label]);
        var getLabel = KeyReader.Create(cursor, label);
        long labeled = 0, missing = 0;
        while (cursor.MoveNext())
        {
            if (getLabel() == 0) missing++;
            else labeled++;
        }
        return new LabeledRowCount(labeled, missing);
    }

    /// <summary>
    /// The same, reading the images too: rows whose image holds NaN or ±Infinity are counted as <see cref="NonFinite"/>,
    /// not as labeled (they are the rows training with <c>AllowNonFiniteFeatures</c> skips).
    /// </summary>
    public static LabeledRowCount Of(IDataView data, string labelColumn, string featureColumn, int featureSize)
    {
        var label = data.Schema[labelColumn];
        var feature = data.Schema[featureColumn];
        using var cursor = data.GetRowCursor([label, feature]);
        var getLabel = KeyReader.Create(cursor, label);
        var getImage = cursor.GetGetter<Microsoft.ML.Data.VBuffer<float>>(feature);
        var vector = default(Microsoft.ML.Data.VBuffer<float>);
        var row = new float[featureSize];
        long labeled = 0, missing = 0, nonFinite = 0;
        while (cursor.MoveNext())
        {
            if (getLabel() == 0)
            {
                missing++;
                continue;
            }
            getImage(ref vector);
            FeatureVectors.CopyDense(vector, row, featureColumn, cursor.Position);
            if (NonFiniteValues.IndexOfFirst(row) >= 0) nonFinite++;
            else labeled++;
        }
        return new LabeledRowCount(labeled, missing, nonFinite);
    }
}
