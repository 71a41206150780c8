using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Scoring;

/// <summary>
/// The lazy result of <see cref="CnnTransformer.Transform"/>: the input's columns untouched, plus
/// <c>Score</c> and <c>PredictedLabel</c> computed a batch at a time when a cursor asks for them.
/// </summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly IDataView _input;
    private readonly ModuleScorer _scorer;
    private readonly DataViewSchema.Column _feature;
    private readonly int _batchSize;

    public ScoredDataView(IDataView input, DataViewSchema schema, ModuleScorer scorer, DataViewSchema.Column feature, int batchSize)
    {
        _input = input;
        Schema = schema;
        _scorer = scorer;
        _feature = feature;
        _batchSize = batchSize;
    }

    public DataViewSchema Schema { get; }

    // Scores come from a second cursor over the same rows; both must see the same order, so no shuffling.
    public bool CanShuffle => false;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        var inputCount = _input.Schema.Count;
        var inputColumns = needed.Where(c => c.Index < inputCount).Select(c => _input.Schema[c.Index]).ToArray();
        var wantsScores = needed.Any(c => c.Index >= inputCount);
        var rows = _input.GetRowCursor(inputColumns);
        var scoring = wantsScores ? _input.GetRowCursor([_feature]) : null;
        return new ScoringCursor(Schema, inputCount, rows, scoring, _feature, _scorer, _batchSize, needed.Select(c => c.Index).ToHashSet());
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];
}
