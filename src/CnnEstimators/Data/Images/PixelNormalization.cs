using System.Globalization;

namespace CnnMl.Data;

/// <summary>
/// Per-channel input normalization, as torchvision's <c>Normalize(mean, std)</c> after <c>ToTensor()</c>: each
/// channel's value in [0, 1] (pixel / 255) becomes <c>(value − mean[c]) / std[c]</c>. Pretrained weights expect the
/// normalization they were trained with: <see cref="ImageNet"/> for torchvision's ImageNet models.
/// </summary>
public sealed class PixelNormalization
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates a normalization with one mean and one standard deviation per channel.</summary>
    /// <exception cref="ArgumentException">No channel, different lengths, a non-finite mean, or a standard deviation that is not positive and finite.</exception>
    public PixelNormalization(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
            throw new ArgumentException(
                $"A normalization needs one mean and one standard deviation per channel; got {mean.Count} mean(s) and {std.Count} standard deviation(s).", nameof(std));
        for (var c = 0; c < mean.Count; c++)
        {
            if (!float.IsFinite(mean[c]))
                throw new ArgumentException($"Mean of channel {c} is {mean[c]}; give a finite number.", nameof(mean));
            if (!float.IsFinite(std[c]) || std[c] <= 0)
                throw new ArgumentException($"Standard deviation of channel {c} is {std[c]}; give a positive finite number.", nameof(std));
        }
        _mean = mean.ToArray();
        _std = std.ToArray();
    }

    /// <summary>
    /// ImageNet's statistics, which torchvision's pretrained models expect: mean (0.485, 0.456, 0.406),
    /// std (0.229, 0.224, 0.225), for red, green, blue.
    /// </summary>
    public static PixelNormalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>One mean per channel, in channel order (red, green, blue for color images).</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>One standard deviation per channel.</summary>
    public IReadOnlyList<float> Std => _std;

    /// <summary>Number of channels this normalization is for.</summary>
    public int Channels => _mean.Length;

    /// <summary>"mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)".</summary>
    public override string ToString() => $"mean ({Join(_mean)}), std ({Join(_std)})";

    private static string Join(IEnumerable<float> values) => string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
