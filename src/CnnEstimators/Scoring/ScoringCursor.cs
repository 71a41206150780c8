using CnnMl.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Scoring;

/// <summary>
/// A cursor that passes the input's columns through from one input cursor (<c>rows</c>) while a second
/// cursor over the same rows (<c>scoring</c>) runs up to one batch ahead: it copies that batch's images
/// into a buffer, scores them in one forward pass, and the scores are served as <c>rows</c> reaches them.
/// Input values are never copied or cached, whatever their type.
/// </summary>
internal sealed class ScoringCursor : DataViewRowCursor
{
    private readonly DataViewSchema _schema;
    private readonly int _inputCount;
    private readonly DataViewRowCursor _rows;
    private readonly DataViewRowCursor? _scoring;
    private readonly ValueGetter<VBuffer<float>>? _getFeatures;
    private readonly string _featureName;
    private readonly ModuleScorer _scorer;
    private readonly HashSet<int> _active;
    private readonly float[] _features;
    private readonly float[] _probabilities;
    private readonly bool[] _nonFinite;
    private readonly int _classes;
    private readonly float[]? _penultimate;
    private readonly int _penultimateLength;
    private VBuffer<float> _vector;
    private int _batchCount;
    private int _indexInBatch = -1;
    private bool _disposed;

    public ScoringCursor(DataViewSchema schema, int inputCount, DataViewRowCursor rows, DataViewRowCursor? scoring,
        DataViewSchema.Column feature, ModuleScorer scorer, int batchSize, HashSet<int> active)
    {
        _schema = schema;
        _inputCount = inputCount;
        _rows = rows;
        _scoring = scoring;
        _featureName = feature.Name;
        _scorer = scorer;
        _active = active;
        _classes = scorer.Classes;
        if (scoring is not null)
        {
            _getFeatures = scoring.GetGetter<VBuffer<float>>(feature);
            _features = new float[batchSize * scorer.FeatureSize];
            _probabilities = new float[batchSize * _classes];
            // The features column is filled only when asked for: copying it out costs a little per batch.
            if (scorer.PenultimateLength > 0 && active.Contains(inputCount + 2))
            {
                _penultimateLength = scorer.PenultimateLength;
                _penultimate = new float[batchSize * _penultimateLength];
            }
            _nonFinite = new bool[batchSize];
        }
        else
        {
            _features = [];
            _probabilities = [];
            _nonFinite = [];
        }
    }

    public override DataViewSchema Schema => _schema;

    public override long Position => _rows.Position;

    public override long Batch => _rows.Batch;

    public override bool MoveNext()
    {
        if (!_rows.MoveNext()) return false;
        if (_scoring is null) return true;
        if (++_indexInBatch >= _batchCount) ScoreNextBatch();
        return true;
    }

    private void ScoreNextBatch()
    {
        var capacity = _probabilities.Length / _classes;
        var size = _scorer.FeatureSize;
        var count = 0;
        while (count < capacity && _scoring!.MoveNext())
        {
            _getFeatures!(ref _vector);
            var row = _features.AsSpan(count * size, size);
            FeatureVectors.CopyDense(_vector, row, _featureName, _scoring.Position);
            _nonFinite[count] = NonFiniteValues.IndexOfFirst(row) >= 0;
            count++;
        }
        if (count == 0)
            throw new InvalidOperationException("The input data view gave a second cursor fewer rows than the first; scoring needs a data view that returns the same rows to every cursor.");
        _scorer.Score(_features, count, _probabilities, _penultimate);
        // A row with NaN or infinite pixels scores NaN (and so a missing PredictedLabel) whatever the network
        // makes of it: ReLU or pooling could otherwise turn -Infinity into an ordinary-looking class.
        for (var i = 0; i < count; i++)
        {
            if (!_nonFinite[i]) continue;
            _probabilities.AsSpan(i * _classes, _classes).Fill(float.NaN);
            _penultimate?.AsSpan(i * _penultimateLength, _penultimateLength).Fill(float.NaN);
        }
        _batchCount = count;
        _indexInBatch = 0;
    }

    public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

    public override ValueGetter<DataViewRowId> GetIdGetter() => _rows.GetIdGetter();

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!IsColumnActive(column))
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
        if (column.Index < _inputCount) return _rows.GetGetter<TValue>(_rows.Schema[column.Index]);
        Delegate getter = (column.Index - _inputCount) switch
        {
            0 => (ValueGetter<VBuffer<float>>)GetScore,
            1 => (ValueGetter<uint>)GetPredictedLabel,
            _ => (ValueGetter<VBuffer<float>>)GetPenultimate,
        };
        return getter as ValueGetter<TValue>
               ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; cannot read it as {typeof(TValue).Name}.");
    }

    private void GetScore(ref VBuffer<float> value)
    {
        var editor = VBufferEditor.Create(ref value, _classes);
        _probabilities.AsSpan(_indexInBatch * _classes, _classes).CopyTo(editor.Values);
        value = editor.Commit();
    }

    private void GetPenultimate(ref VBuffer<float> value)
    {
        var editor = VBufferEditor.Create(ref value, _penultimateLength);
        _penultimate.AsSpan(_indexInBatch * _penultimateLength, _penultimateLength).CopyTo(editor.Values);
        value = editor.Commit();
    }

    private void GetPredictedLabel(ref uint value)
        => value = PredictedKey.FromScores(_probabilities.AsSpan(_indexInBatch * _classes, _classes));

    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        if (disposing)
        {
            _rows.Dispose();
            _scoring?.Dispose();
        }
        _disposed = true;
        base.Dispose(disposing);
    }
}
