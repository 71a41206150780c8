namespace CnnMl.Data;

/// <summary>
/// A seeded shuffle buffer for rows that arrive in order (tf.data's <c>shuffle(buffer_size)</c>): it holds up to
/// <c>capacity</c> rows; once full, each arriving row replaces a randomly chosen held row, which leaves; at the end the
/// rows still held leave in random order. Each row can move at most <c>capacity</c> places from where it arrived, so
/// the buffer's size is the trade between memory and how well the order is mixed.
/// </summary>
internal sealed class ShuffleBuffer
{
    private readonly float[][] _images;
    private readonly long[] _labels;
    private readonly Random _random;
    private int _held;

    /// <summary>A buffer of <paramref name="capacity"/> rows of <paramref name="featureSize"/> values (one array per row, so no array limit applies).</summary>
    public ShuffleBuffer(int capacity, int featureSize, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _images = new float[capacity][];
        for (var i = 0; i < capacity; i++) _images[i] = new float[featureSize];
        _labels = new long[capacity];
        _random = random;
    }

    /// <summary>Rows held now.</summary>
    public int Held => _held;

    /// <summary>Whether every slot holds a row (the next <see cref="Exchange"/> lets one out).</summary>
    public bool IsFull => _held == _images.Length;

    /// <summary>Stores a row while the buffer is not full.</summary>
    public void Add(ReadOnlySpan<float> image, long label)
    {
        if (IsFull) throw new InvalidOperationException("The shuffle buffer is full: exchange rows instead.");
        image.CopyTo(_images[_held]);
        _labels[_held++] = label;
    }

    /// <summary>
    /// Lets a randomly chosen held row out into <paramref name="imageOut"/> and <paramref name="labelOut"/>, and stores
    /// the arriving row in its place. The buffer must be full.
    /// </summary>
    public void Exchange(ReadOnlySpan<float> image, long label, Span<float> imageOut, out long labelOut)
    {
        var slot = _random.Next(_held);
        _images[slot].CopyTo(imageOut);
        labelOut = _labels[slot];
        image.CopyTo(_images[slot]);
        _labels[slot] = label;
    }

    /// <summary>Lets a randomly chosen held row out (at the end of the data, until the buffer is empty).</summary>
    public void Take(Span<float> imageOut, out long labelOut)
    {
        if (_held == 0) throw new InvalidOperationException("The shuffle buffer is empty.");
        var slot = _random.Next(_held);
        _images[slot].CopyTo(imageOut);
        labelOut = _labels[slot];
        // Move the last held row into the freed slot.
        _held--;
        (_images[slot], _images[_held]) = (_images[_held], _images[slot]);
        _labels[slot] = _labels[_held];
    }
}
