using static TorchSharp.torch;

namespace CnnMl.Data;

/// <summary>
/// One batch of examples on the host, as the tensors a training or validation step reads: images (batch first, then
/// the image shape) and class indices (int64). Either a reusable buffer that a batch source fills row by row — the
/// same native memory every step, pinned when the batches go to a GPU — or a window onto tensors that already hold
/// all the examples.
/// </summary>
/// <remarks>
/// Why reuse: building a tensor from a managed array per step (<c>torch.tensor(Memory&lt;float&gt;)</c>) copies the
/// batch twice (the array is copied first) and allocates every step; filling one native buffer copies each row once.
/// </remarks>
internal sealed class ExampleBatch : IDisposable
{
    private readonly Tensor _images;
    private readonly Tensor _labels;
    private readonly bool _ownsTensors;
    private readonly IntPtr _imageMemory;
    private readonly IntPtr _labelMemory;

    private ExampleBatch(Tensor images, Tensor labels, bool ownsTensors, bool pinned)
    {
        _images = images;
        _labels = labels;
        _ownsTensors = ownsTensors;
        Pinned = pinned;
        Capacity = checked((int)images.shape[0]);
        FeatureSize = checked((int)(images.numel() / Math.Max(1, images.shape[0])));
        if (ownsTensors)
        {
            _imageMemory = images.storage<float>().data_ptr();
            _labelMemory = labels.storage<long>().data_ptr();
        }
    }

    /// <summary>Rows this batch can hold.</summary>
    public int Capacity { get; }

    /// <summary>Values per image.</summary>
    public int FeatureSize { get; }

    /// <summary>Rows in use: the first <see cref="Count"/> rows from <see cref="Offset"/>.</summary>
    public int Count { get; set; }

    /// <summary>First row in use (a window moves it; a buffer keeps 0).</summary>
    public int Offset { get; set; }

    /// <summary>Whether the host memory is page-locked, so copies to a GPU can run asynchronously.</summary>
    public bool Pinned { get; }

    /// <summary>
    /// A reusable buffer of <paramref name="capacity"/> rows of <paramref name="shape"/>; <paramref name="pinned"/>
    /// page-locks it (only meaningful, and only possible, when a CUDA device is present).
    /// </summary>
    public static ExampleBatch Buffer(ImageShape shape, int capacity, bool pinned)
    {
        var images = empty(shape.WithBatch(capacity), float32);
        var labels = empty([capacity], int64);
        if (pinned)
        {
            images = Pin(images);
            labels = Pin(labels);
        }
        return new ExampleBatch(images.DetachFromDisposeScope(), labels.DetachFromDisposeScope(), ownsTensors: true, pinned);
    }

    /// <summary>A window onto <paramref name="images"/> and <paramref name="labels"/>, which hold every example; the caller keeps them alive.</summary>
    public static ExampleBatch Window(Tensor images, Tensor labels) => new(images, labels, ownsTensors: false, pinned: false);

    /// <summary>The memory of image row <paramref name="row"/> of a buffer, to fill.</summary>
    public unsafe Span<float> ImageRow(int row)
    {
        if (!_ownsTensors) throw new InvalidOperationException("A window's rows are not written through the batch.");
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Capacity, nameof(row));
        return new Span<float>((float*)_imageMemory + (long)row * FeatureSize, FeatureSize);
    }

    /// <summary>The memory of the labels of a buffer, to fill.</summary>
    public unsafe Span<long> LabelRows
    {
        get
        {
            if (!_ownsTensors) throw new InvalidOperationException("A window's labels are not written through the batch.");
            return new Span<long>((long*)_labelMemory, Capacity);
        }
    }

    /// <summary>The rows in use as a tensor: a view of the host memory, registered in the caller's dispose scope.</summary>
    public Tensor Images() => _images.narrow(0, Offset, Count);

    /// <summary>The class indices of the rows in use, as an int64 tensor view.</summary>
    public Tensor Labels() => _labels.narrow(0, Offset, Count);

    /// <summary>Frees a buffer's native memory (a window owns nothing).</summary>
    public void Dispose()
    {
        if (!_ownsTensors) return;
        _images.Dispose();
        _labels.Dispose();
    }

    private static Tensor Pin(Tensor t)
    {
        var pinned = t.pin_memory();
        t.Dispose();
        return pinned;
    }
}
