namespace CnnMl.Tests.Support;

/// <summary>
/// Passes everything through to a stream but fails once more than <c>failAfterBytes</c> bytes have been
/// written in total (it writes up to the limit first): a disk that fills up halfway through a save.
/// </summary>
internal sealed class FailingStream(Stream inner, long failAfterBytes) : Stream
{
    private long _written;

    /// <summary>True once the failure has been thrown.</summary>
    public bool Failed { get; private set; }

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => inner.SetLength(value);
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var allowed = (int)Math.Max(0, Math.Min(buffer.Length, failAfterBytes - _written));
        inner.Write(buffer[..allowed]);
        _written += allowed;
        if (allowed < buffer.Length)
        {
            Failed = true;
            throw new IOException($"Injected failure after {failAfterBytes} bytes.");
        }
    }

    public override void WriteByte(byte value) => Write([value]);
}
