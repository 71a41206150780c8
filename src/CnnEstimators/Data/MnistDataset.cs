namespace CnnMl.Data;

/// <summary>
/// One MNIST split in memory as the original bytes: images (count × rows × columns, 0–255) and labels (0–9).
/// </summary>
public sealed class MnistDataset
{
    /// <summary>Number of digit classes.</summary>
    public const int ClassCount = KnownInputs.MnistClasses;

    private MnistDataset(byte[] pixels, byte[] labels, int count, int rows, int columns)
    {
        Pixels = pixels;
        Labels = labels;
        Count = count;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Pixels of all images, row-major, <see cref="Count"/> × <see cref="Rows"/> × <see cref="Columns"/>.</summary>
    public byte[] Pixels { get; }

    /// <summary>The digit of each image, 0–9.</summary>
    public byte[] Labels { get; }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Image height (28 for MNIST).</summary>
    public int Rows { get; }

    /// <summary>Image width (28 for MNIST).</summary>
    public int Columns { get; }

    /// <summary>File names of a split, without a .gz suffix.</summary>
    public static (string Images, string Labels) FileNames(MnistSplit split) => split switch
    {
        MnistSplit.Train => ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        MnistSplit.Test => ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Expected MnistSplit.Train or MnistSplit.Test."),
    };

    /// <summary>
    /// Reads a split from <paramref name="directory"/> (raw or .gz files), keeping the first
    /// <paramref name="maxRows"/> images when given.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file of the split is missing.</exception>
    /// <exception cref="IdxFormatException">A file is malformed, the counts disagree or a label is not a digit.</exception>
    public static MnistDataset Load(string directory, MnistSplit split, int? maxRows = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (maxRows is < 1)
            throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "maxRows must be at least 1 (or null for all rows).");
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"MNIST folder '{directory}' does not exist. {HowToFetch(directory)}");

        var (imagesName, labelsName) = FileNames(split);
        var images = IdxReader.Read(Locate(directory, imagesName));
        var labels = IdxReader.Read(Locate(directory, labelsName));

        if (images.Dimensions.Count != 3)
            throw new IdxFormatException(images.Path, $"an image file needs 3 dimensions (count, rows, columns); found {images.Dimensions.Count}");
        if (labels.Dimensions.Count != 1)
            throw new IdxFormatException(labels.Path, $"a label file needs 1 dimension (count); found {labels.Dimensions.Count}");
        if (images.Count != labels.Count)
            throw new IdxFormatException(labels.Path, $"holds {labels.Count:N0} labels but '{images.Path}' holds {images.Count:N0} images");
        for (var i = 0; i < labels.Data.Length; i++)
        {
            if (labels.Data[i] >= ClassCount)
                throw new IdxFormatException(labels.Path, $"label {i} is {labels.Data[i]}; MNIST labels are 0 to {ClassCount - 1}");
        }

        var count = Math.Min(images.Count, maxRows ?? int.MaxValue);
        var pixels = count == images.Count ? images.Data : images.Data.AsSpan(0, count * images.ItemSize).ToArray();
        var digits = count == labels.Count ? labels.Data : labels.Data.AsSpan(0, count).ToArray();
        return new MnistDataset(pixels, digits, count, images.Dimensions[1], images.Dimensions[2]);
    }

    // For an application using the CnnMl package as much as for this repository's clone.
    private static string HowToFetch(string directory) =>
        "Put the four MNIST idx files there (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, " +
        $"t10k-labels-idx1-ubyte, raw or .gz), or fetch them with CnnMl's console: 'cnnml data mnist --data {directory}' " +
        "(dotnet tool install -g CnnMl.Cli; in a clone of CnnMl's repository, scripts/setup.sh does the same), or pass the folder that holds them.";

    private static string Locate(string directory, string name)
    {
        var raw = Path.Combine(directory, name);
        if (File.Exists(raw)) return raw;
        var gz = raw + ".gz";
        if (File.Exists(gz)) return gz;
        throw new FileNotFoundException($"MNIST file '{name}' (or '{name}.gz') not found in '{directory}'. {HowToFetch(directory)}", raw);
    }
}
