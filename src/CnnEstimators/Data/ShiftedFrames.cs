using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Data;

/// <summary>
/// Turns still images into short clips for 3D networks: frame <c>d</c> is the image shifted <c>d</c>
/// pixels to the right (zeros enter from the left), so a C×H×W image becomes a C×D×H×W volume in which
/// the content moves one pixel per frame. Used to train <c>conv3d</c> on MNIST digits.
/// </summary>
public static class ShiftedFrames
{
    /// <summary>Frames per clip for the <c>conv3d</c> network's default input (1×8×28×28).</summary>
    public const int DefaultFrames = KnownInputs.MnistClipFrames;

    /// <summary>The volume shape <c>C×D×H×W</c> made from a <c>C×H×W</c> image shape.</summary>
    /// <exception cref="ArgumentException">The image shape is not C×H×W, or frames is below 1.</exception>
    public static ImageShape VolumeShape(ImageShape image, int frames = DefaultFrames)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.SpatialRank != 2)
            throw new ArgumentException($"Shifted frames are made from CxHxW images; got {image}.", nameof(image));
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), frames, "A clip has at least one frame.");
        return new ImageShape(image.Channels, frames, image.Spatial[0], image.Spatial[1]);
    }

    /// <summary>
    /// Expands one image (channels-first, row-major, <c>C·H·W</c> values) into <paramref name="frames"/>
    /// frames (<c>C·D·H·W</c> values) written to <paramref name="volume"/>.
    /// </summary>
    public static void Expand(ReadOnlySpan<float> image, ImageShape imageShape, int frames, Span<float> volume)
    {
        var shape = VolumeShape(imageShape, frames);
        int channels = (int)imageShape.Channels, height = (int)imageShape.Spatial[0], width = (int)imageShape.Spatial[1];
        if (image.Length != imageShape.ElementCount)
            throw new ArgumentException($"Image has {image.Length} values; shape {imageShape} needs {imageShape.ElementCount}.", nameof(image));
        if (volume.Length != shape.ElementCount)
            throw new ArgumentException($"Volume has {volume.Length} values; shape {shape} needs {shape.ElementCount}.", nameof(volume));

        volume.Clear();
        var plane = height * width;
        for (var c = 0; c < channels; c++)
        {
            var source = image.Slice(c * plane, plane);
            for (var d = 0; d < frames; d++)
            {
                var target = volume.Slice((c * frames + d) * plane, plane);
                var shift = Math.Min(d, width);
                for (var y = 0; y < height; y++)
                    source.Slice(y * width, width - shift).CopyTo(target.Slice(y * width + shift));
            }
        }
    }

    /// <summary>
    /// Replaces the image column of <paramref name="images"/> (a known-size <c>vector&lt;float&gt;</c> of
    /// <c>C·H·W</c> values) by its shifted-frame volume (<c>C·D·H·W</c> values) under the same name; every
    /// other column, e.g. the label, passes through. Lazy: frames are computed as rows are read.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="images">Data with an image column.</param>
    /// <param name="imageShape">The images' C×H×W shape (e.g. 1×28×28).</param>
    /// <param name="frames">Frames per clip.</param>
    /// <param name="imageColumn">Name of the image column (input and output).</param>
    /// <exception cref="ArgumentException">The column is missing or is not a vector of <c>C·H·W</c> floats.</exception>
    public static IDataView Transform(MLContext mlContext, IDataView images, ImageShape imageShape, int frames = DefaultFrames, string imageColumn = "Image")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentException.ThrowIfNullOrWhiteSpace(imageColumn);
        var volumeShape = VolumeShape(imageShape, frames);
        var column = images.Schema.GetColumnOrNull(imageColumn)
            ?? throw new ArgumentException($"Column '{imageColumn}' not found; columns: {string.Join(", ", images.Schema.Select(c => c.Name))}.", nameof(imageColumn));
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType, Size: var size } vector
            || vector.ItemType != NumberDataViewType.Single || size != imageShape.ElementCount)
            throw new ArgumentException(
                $"Column '{imageColumn}' is {column.Type}; shifted frames need vector<Single, {imageShape.ElementCount}> for images {imageShape}.",
                nameof(imageColumn));

        var inputDefinition = SchemaDefinition.Create(typeof(ImageRow));
        inputDefinition[0].ColumnName = imageColumn;
        inputDefinition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, (int)imageShape.ElementCount);
        var outputDefinition = SchemaDefinition.Create(typeof(VolumeRow));
        outputDefinition[0].ColumnName = imageColumn;
        outputDefinition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, (int)volumeShape.ElementCount);

        var volumeLength = (int)volumeShape.ElementCount;
        var mapping = mlContext.Transforms.CustomMapping<ImageRow, VolumeRow>(
            (source, target) =>
            {
                var volume = new float[volumeLength];
                Expand(source.Image, imageShape, frames, volume);
                target.Volume = volume;
            },
            contractName: null, inputDefinition, outputDefinition);
        return mapping.Fit(images).Transform(images);
    }

    /// <summary>The input row of the mapping (its column name is set by the schema definition).</summary>
    private sealed class ImageRow
    {
        public float[] Image = [];
    }

    /// <summary>The output row of the mapping (its column name is set by the schema definition).</summary>
    private sealed class VolumeRow
    {
        public float[] Volume = [];
    }
}
