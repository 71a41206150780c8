using CnnMl.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Scoring;

/// <summary>
/// Row-at-a-time scoring for <c>mlContext.Model.CreatePredictionEngine</c>: maps one input row to the
/// same row plus the score and predicted-label columns, with one forward pass per distinct image.
/// Each row it makes belongs to one thread at a time (one prediction engine per thread).
/// </summary>
internal sealed class CnnRowToRowMapper : IRowToRowMapper
{
    private readonly ModuleScorer _scorer;
    private readonly DataViewSchema.Column _feature;

    public CnnRowToRowMapper(DataViewSchema inputSchema, DataViewSchema outputSchema, ModuleScorer scorer, DataViewSchema.Column feature, object hold)
    {
        InputSchema = inputSchema;
        OutputSchema = outputSchema;
        _scorer = scorer;
        _feature = feature;
        Hold = hold;
    }

    /// <summary>The prediction engine's hold on the network (<see cref="ModuleHolds"/>): alive as long as this mapper is reachable.</summary>
    public object Hold { get; }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var wanted = dependingColumns.ToArray();
        var dependencies = wanted.Where(c => c.Index < InputSchema.Count).Select(c => InputSchema[c.Index]).ToList();
        if (wanted.Any(c => c.Index >= InputSchema.Count) && dependencies.All(c => c.Index != _feature.Index))
            dependencies.Add(_feature);
        return dependencies;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        => new MappedRow(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class MappedRow : DataViewRow
    {
        private readonly CnnRowToRowMapper _owner;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly float[] _features;
        private readonly float[] _probabilities;
        private readonly float[]? _penultimate;
        private ValueGetter<VBuffer<float>>? _getFeatures;
        private VBuffer<float> _vector;
        private readonly float[] _incoming;
        private bool _scored;

        public MappedRow(CnnRowToRowMapper owner, DataViewRow input, HashSet<int> active)
        {
            _owner = owner;
            _input = input;
            _active = active;
            _features = new float[owner._scorer.FeatureSize];
            _incoming = new float[owner._scorer.FeatureSize];
            _probabilities = new float[owner._scorer.Classes];
            if (owner._scorer.PenultimateLength > 0 && active.Contains(owner.InputSchema.Count + 2))
                _penultimate = new float[owner._scorer.PenultimateLength];
        }

        public override DataViewSchema Schema => _owner.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            var inputCount = _owner.InputSchema.Count;
            if (column.Index < inputCount) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            Delegate getter = (column.Index - inputCount) switch
            {
                0 => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    EnsureScored();
                    Copy(_probabilities, ref value);
                }),
                1 => (ValueGetter<uint>)((ref uint value) =>
                {
                    EnsureScored();
                    value = PredictedKey.FromScores(_probabilities);
                }),
                _ => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    EnsureScored();
                    Copy(_penultimate!, ref value);
                }),
            };
            return getter as ValueGetter<TValue>
                   ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; cannot read it as {typeof(TValue).Name}.");
        }

        private static void Copy(float[] source, ref VBuffer<float> value)
        {
            var editor = VBufferEditor.Create(ref value, source.Length);
            source.CopyTo(editor.Values);
            value = editor.Commit();
        }

        // Score, PredictedLabel and the features of one row share one forward pass. The cache is keyed on the image
        // itself, not on Position: a prediction engine reuses one input row object for every call.
        private void EnsureScored()
        {
            // A freed network answers nothing, not even a cached score.
            _owner._scorer.ThrowIfDisposed();
            _getFeatures ??= _input.GetGetter<VBuffer<float>>(_owner._feature);
            _getFeatures(ref _vector);
            FeatureVectors.CopyDense(_vector, _incoming, _owner._feature.Name, _input.Position);
            if (_scored && _incoming.AsSpan().SequenceEqual(_features)) return;
            _scored = false;
            _incoming.CopyTo(_features, 0);
            _owner._scorer.ScoreOneRow(_features, _probabilities, _penultimate);
            // Non-finite pixels score NaN whatever the network makes of them (see ScoringCursor).
            if (NonFiniteValues.IndexOfFirst(_features) >= 0)
            {
                _probabilities.AsSpan().Fill(float.NaN);
                _penultimate?.AsSpan().Fill(float.NaN);
            }
            _scored = true;
        }
    }
}
