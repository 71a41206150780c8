using System.Globalization;
using CnnMl.Abstractions;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// Random crop with padding, horizontal flip and a small random affine transform, applied per image to the batch
/// tensor: torchvision's <c>RandomAffine(degrees, translate, scale)</c>, <c>RandomCrop(size, padding)</c> and
/// <c>RandomHorizontalFlip(0.5)</c>, in that order, each switched off by its default. Volumes <c>(N, C, D, H, W)</c>
/// get one transform per volume, the same for every frame.
/// </summary>
public sealed class ImageAugmentation : IBatchAugmentation
{
    private readonly int _cropPadding;
    private readonly double _rotationDegrees;
    private readonly double _translation;
    private readonly double _scale;

    /// <summary>
    /// Pad every side with this many zero pixels and crop back to the original size at a random place (a random
    /// whole-pixel shift of up to this many pixels each way, the uncovered edge zero). Default 0: off.
    /// </summary>
    public int CropPadding
    {
        get => _cropPadding;
        init => _cropPadding = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(CropPadding), value, "CropPadding must be 0 or more pixels.");
    }

    /// <summary>Mirror each image left to right with probability ½. Default false (digits and text should not be mirrored).</summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>Rotate each image by an angle drawn uniformly from ±this many degrees. Default 0: off.</summary>
    public double RotationDegrees
    {
        get => _rotationDegrees;
        init => _rotationDegrees = value is >= 0 and <= 180 ? value : throw new ArgumentOutOfRangeException(nameof(RotationDegrees), value, "RotationDegrees must be in [0, 180].");
    }

    /// <summary>Shift each image by up to this fraction of its width and height, drawn uniformly each way. Default 0: off.</summary>
    public double Translation
    {
        get => _translation;
        init => _translation = value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Translation), value, "Translation must be a fraction in [0, 1).");
    }

    /// <summary>Scale each image by a factor drawn uniformly from [1 − this, 1 + this]. Default 0: off.</summary>
    public double Scale
    {
        get => _scale;
        init => _scale = value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Scale), value, "Scale must be in [0, 1).");
    }

    private bool HasAffine => RotationDegrees > 0 || Translation > 0 || Scale > 0;

    /// <inheritdoc />
    public Tensor Augment(Tensor images, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(generator);
        if (images.ndim is not (4 or 5))
            throw new ArgumentException($"ImageAugmentation takes (N, C, H, W) images or (N, C, D, H, W) volumes; got shape [{string.Join(", ", images.shape)}].", nameof(images));
        var shape = images.shape;
        // Volumes: fold the frames into channels, so each volume gets one transform for all its frames.
        var x = images.ndim == 5 ? images.reshape(shape[0], shape[1] * shape[2], shape[3], shape[4]) : images;
        using (no_grad())
        {
            if (HasAffine) x = Affine(x, generator);
            if (CropPadding > 0) x = CropWithPadding(x, generator);
            if (HorizontalFlip) x = Flip(x, generator);
        }
        return images.ndim == 5 ? x.reshape(shape) : x;
    }

    private Tensor Affine(Tensor x, Generator generator)
    {
        var n = x.shape[0];
        Tensor Uniform(double half) => (rand(n, dtype: float64, generator: generator) * 2 - 1) * half;
        var angle = Uniform(RotationDegrees * Math.PI / 180);
        var scale = Uniform(Scale) + 1;
        // affine_grid maps output to input coordinates in [-1, 1]: rotating and scaling the grid by the inverse.
        var cos = angle.cos() / scale;
        var sin = angle.sin() / scale;
        var tx = Uniform(2 * Translation);
        var ty = Uniform(2 * Translation);
        var theta = stack([cos, -sin, tx, sin, cos, ty], 1).reshape(n, 2, 3).to(x.dtype).to(x.device);
        var grid = nn.functional.affine_grid(theta, x.shape, align_corners: false);
        return nn.functional.grid_sample(x, grid, align_corners: false);
    }

    private Tensor CropWithPadding(Tensor x, Generator generator)
    {
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3], p = CropPadding;
        var padded = nn.functional.pad(x, [p, p, p, p]);
        // Top-left corner of each crop in the padded image: 0 … 2p.
        var top = randint(0, 2 * p + 1, [n], generator: generator).to(x.device);
        var left = randint(0, 2 * p + 1, [n], generator: generator).to(x.device);
        var rows = (arange(h, device: x.device).unsqueeze(0) + top.unsqueeze(1)).reshape(n, 1, h, 1).expand(n, c, h, w + 2 * p);
        var cols = (arange(w, device: x.device).unsqueeze(0) + left.unsqueeze(1)).reshape(n, 1, 1, w).expand(n, c, h, w);
        return padded.gather(2, rows).gather(3, cols);
    }

    private static Tensor Flip(Tensor x, Generator generator)
    {
        var flip = (rand(x.shape[0], generator: generator) < 0.5).to(x.device).reshape(-1, 1, 1, 1);
        return where(flip, x.flip(3), x);
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>();
        if (RotationDegrees > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"rotation ±{RotationDegrees:G3}°"));
        if (Translation > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"translation ±{Translation:P0}"));
        if (Scale > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"scale ±{Scale:P0}"));
        if (CropPadding > 0) parts.Add($"crop with padding {CropPadding}");
        if (HorizontalFlip) parts.Add("horizontal flip");
        return parts.Count == 0 ? "no augmentation" : string.Join(", ", parts);
    }
}
