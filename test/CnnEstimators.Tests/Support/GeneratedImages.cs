using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Support;

/// <summary>
/// An <see cref="IDataView"/> whose rows are computed when a cursor reaches them and never stored: "Label" (key of
/// <c>classes</c> values; 0 = missing) and "Image" (a known-size float vector). Lets a test train on data far larger
/// than memory or than .NET's array limit, count how often rows are read, and make a cursor fail at a given row.
/// </summary>
internal sealed class GeneratedImages : IDataView
{
    /// <summary>Writes row <c>index</c>'s image into the span (empty when a cursor reads only the label) and returns its key label (1-based; 0 = missing).</summary>
    public delegate uint RowWriter(long index, Span<float> image);

    private readonly long _rows;
    private readonly int _size;
    private readonly RowWriter _write;
    private readonly long? _failAt;
    private long _rowsRead;

    public GeneratedImages(long rows, int valuesPerImage, int classes, RowWriter write, long? failAt = null, bool knowsRowCount = true)
    {
        _rows = rows;
        _size = valuesPerImage;
        _write = write;
        _failAt = failAt;
        KnowsRowCount = knowsRowCount;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), classes));
        builder.AddColumn("Image", new VectorDataViewType(NumberDataViewType.Single, valuesPerImage));
        Schema = builder.ToSchema();
    }

    /// <summary>Whether <see cref="GetRowCount"/> answers (ML.NET views over files often do not).</summary>
    public bool KnowsRowCount { get; }

    /// <summary>Images computed so far by all cursors (label-only passes compute none).</summary>
    public long ImagesRead => Interlocked.Read(ref _rowsRead);

    /// <inheritdoc />
    public bool CanShuffle => false;

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public long? GetRowCount() => KnowsRowCount ? _rows : null;

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded.Any(c => c.Index == 1));

    /// <inheritdoc />
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(GeneratedImages owner, bool imageActive) : DataViewRowCursor
    {
        private readonly float[] _image = new float[owner._size];
        private long _position = -1;
        private uint _label;

        public override DataViewSchema Schema => owner.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => column.Index == 0 || (column.Index == 1 && imageActive);

        public override bool MoveNext()
        {
            if (_position + 1 >= owner._rows) return false;
            _position++;
            if (owner._failAt == _position) throw new IOException($"Generated failure at row {_position}.");
            if (imageActive)
            {
                _label = owner._write(_position, _image);
                Interlocked.Increment(ref owner._rowsRead);
            }
            else
            {
                _label = owner._write(_position, Span<float>.Empty);
            }
            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index == 0)
            {
                ValueGetter<uint> label = (ref uint value) => value = _label;
                return (ValueGetter<TValue>)(Delegate)label;
            }
            ValueGetter<VBuffer<float>> image = (ref VBuffer<float> value) =>
            {
                var editor = VBufferEditor.Create(ref value, _image.Length);
                _image.CopyTo(editor.Values);
                value = editor.Commit();
            };
            return (ValueGetter<TValue>)(Delegate)image;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = new DataViewRowId((ulong)_position, 0);
    }
}
