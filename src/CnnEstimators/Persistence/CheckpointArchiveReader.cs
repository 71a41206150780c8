using System.IO.Compression;

namespace CnnMl.Persistence;

/// <summary>
/// Opens a checkpoint archive for reading after checking its seal, its entry names and their declared sizes;
/// hands out entry streams that hold the entry to exactly its declared size. Defects are
/// <see cref="InvalidDataException"/>s without the file name (the caller adds it).
/// </summary>
internal sealed class CheckpointArchiveReader : IDisposable
{
    private readonly ZipArchive _archive;
    private readonly Dictionary<string, ZipArchiveEntry> _entries;

    private CheckpointArchiveReader(ZipArchive archive, Dictionary<string, ZipArchiveEntry> entries)
    {
        _archive = archive;
        _entries = entries;
    }

    /// <summary>The entry names present.</summary>
    public IReadOnlyCollection<string> Names => _entries.Keys;

    /// <summary>Verifies the seal and opens the zip; every entry must be a known checkpoint entry within its size cap.</summary>
    public static CheckpointArchiveReader Open(Stream file)
    {
        if (file.Length > CheckpointLimits.MaxFileBytes)
            throw new InvalidDataException($"the file is {file.Length} bytes; checkpoints are limited to {CheckpointLimits.MaxFileBytes} bytes.");
        CheckpointSeal.Verify(file);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException($"the zip structure is damaged ({e.Message}).", e);
        }
        try
        {
            return new CheckpointArchiveReader(archive, CheckEntries(archive));
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    private static Dictionary<string, ZipArchiveEntry> CheckEntries(ZipArchive archive)
    {
        var known = CheckpointEntries.TrainingEntries;
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        IReadOnlyCollection<ZipArchiveEntry> all;
        try
        {
            all = archive.Entries;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException($"the zip directory is damaged ({e.Message}).", e);
        }
        if (all.Count > known.Count)
            throw new InvalidDataException($"the archive has {all.Count} entries; a checkpoint has at most {known.Count} ({string.Join(", ", known)}).");
        foreach (var entry in all)
        {
            var name = entry.FullName;
            if (!known.Contains(name))
                throw new InvalidDataException($"unexpected entry '{SafetensorsReader.Shorten(name)}'; a checkpoint holds only {string.Join(", ", known)}.");
            if (!entries.TryAdd(name, entry))
                throw new InvalidDataException($"entry '{name}' appears twice.");
            if (entry.IsEncrypted)
                throw new InvalidDataException($"entry '{name}' is encrypted; checkpoints are never encrypted.");
            if (entry.Length < 0 || entry.Length > CheckpointEntries.MaxBytes(name))
                throw new InvalidDataException($"entry '{name}' declares {entry.Length} bytes; the limit for it is {CheckpointEntries.MaxBytes(name)}.");
        }
        return entries;
    }

    /// <summary>True if the archive holds <paramref name="name"/>.</summary>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>The whole content of a small entry.</summary>
    public byte[] ReadAll(string name)
    {
        using var stream = OpenEntry(name, out var length);
        var content = new byte[length];
        stream.ReadExactly(content);
        stream.EnsureEnded();
        return content;
    }

    /// <summary>An entry's content, held to its declared <paramref name="length"/>; call <see cref="EntryStream.EnsureEnded"/> after reading.</summary>
    public EntryStream OpenEntry(string name, out long length)
    {
        if (!_entries.TryGetValue(name, out var entry))
            throw new InvalidDataException($"entry '{name}' is missing.");
        length = entry.Length;
        try
        {
            return new EntryStream(entry.Open(), name, length);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException($"entry '{name}' cannot be opened ({e.Message}).", e);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _archive.Dispose();

    /// <summary>
    /// A read-only view of one entry that delivers exactly its declared length: it fails when the data ends
    /// early or runs past the declared size (a zip can lie about sizes), and turns the decompressor's errors
    /// into defects of the entry.
    /// </summary>
    internal sealed class EntryStream : Stream
    {
        private readonly Stream _inner;
        private readonly string _name;
        private readonly long _length;
        private long _position;

        public EntryStream(Stream inner, string name, long length)
        {
            _inner = inner;
            _name = name;
            _length = length;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var wanted = (int)Math.Min(buffer.Length, _length - _position);
            if (wanted == 0) return 0;
            int read;
            try
            {
                read = _inner.Read(buffer[..wanted]);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
            {
                throw Damaged(e);
            }
            if (read == 0)
                throw new InvalidDataException($"entry '{_name}' ends after {_position} of its declared {_length} bytes.");
            _position += read;
            return read;
        }

        /// <summary>Checks that the entry holds nothing beyond its declared length.</summary>
        public void EnsureEnded()
        {
            if (_position != _length)
                throw new InvalidDataException($"entry '{_name}' was read to {_position} of its {_length} bytes.");
            int extra;
            try
            {
                extra = _inner.Read(new byte[1], 0, 1);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
            {
                throw Damaged(e);
            }
            if (extra != 0)
                throw new InvalidDataException($"entry '{_name}' holds more than its declared {_length} bytes.");
        }

        private InvalidDataException Damaged(Exception e) => new($"entry '{_name}' cannot be decompressed ({e.Message}).", e);

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
