using Microsoft.ML;

namespace CnnMl.Data;

/// <summary>
/// How many rows of an <see cref="IDataView"/> have a label, counted by one pass over the label column alone (ML.NET
/// computes only the columns a cursor asks for, so images are neither loaded nor decoded).
/// </summary>
internal readonly record struct LabeledRowCount(long Labeled, long MissingLabel)
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
}
