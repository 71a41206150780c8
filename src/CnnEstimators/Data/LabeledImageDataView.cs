using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Data;

/// <summary>
/// An <see cref="IDataView"/> over images held as bytes: a key-typed label column whose key values are
/// the class names, and a fixed-size <c>vector&lt;float&gt;</c> image column scaled to [0, 1].
/// No per-row allocation: the cursor converts bytes straight into the caller's buffer.
/// </summary>
internal sealed class LabeledImageDataView : IDataView
{
    private readonly byte[] _pixels;
    private readonly byte[] _labels;
    private readonly int _itemSize;

    public LabeledImageDataView(byte[] pixels, byte[] labels, int itemSize, IReadOnlyList<string> classNames,
        string labelColumn = "Label", string imageColumn = "Image")
    {
        _pixels = pixels;
        _labels = labels;
        _itemSize = itemSize;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(labelColumn, new KeyDataViewType(typeof(uint), classNames.Count), KeyValueAnnotations.FromNames(classNames));
        builder.AddColumn(imageColumn, new VectorDataViewType(NumberDataViewType.Single, itemSize));
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => true;

    public long? GetRowCount() => _labels.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        int[]? order = null;
        if (rand is not null)
        {
            order = Enumerable.Range(0, _labels.Length).ToArray();
            rand.Shuffle(order);
        }
        return new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet(), order);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private const float MaxPixel = 255f; // as torchvision's ToTensor: byte / 255
        private readonly LabeledImageDataView _parent;
        private readonly HashSet<int> _active;
        private readonly int[]? _order;
        private long _position = -1;
        private int _row = -1;

        public Cursor(LabeledImageDataView parent, HashSet<int> active, int[]? order)
        {
            _parent = parent;
            _active = active;
            _order = order;
        }

        public override DataViewSchema Schema => _parent.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (_position + 1 >= _parent._labels.Length)
            {
                _row = -1;
                return false;
            }
            _position++;
            _row = _order is null ? (int)_position : _order[_position];
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<DataViewRowId> GetIdGetter()
            => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_row, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
            Delegate getter = column.Index switch
            {
                0 => (ValueGetter<uint>)((ref uint key) => key = (uint)_parent._labels[_row] + 1),
                1 => (ValueGetter<VBuffer<float>>)GetImage,
                _ => throw new ArgumentOutOfRangeException(nameof(column), column.Index, "No such column."),
            };
            return getter as ValueGetter<TValue>
                   ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; cannot read it as {typeof(TValue).Name}.");
        }

        private void GetImage(ref VBuffer<float> value)
        {
            var size = _parent._itemSize;
            var editor = VBufferEditor.Create(ref value, size);
            var source = _parent._pixels.AsSpan(_row * size, size);
            var target = editor.Values;
            for (var i = 0; i < size; i++) target[i] = source[i] / MaxPixel;
            value = editor.Commit();
        }
    }
}
