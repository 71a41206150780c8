using Microsoft.ML;

namespace CnnMl.Data;

/// <summary>
/// A folder of labeled images in Model Builder's layout: one sub-folder per label, named after it, holding that
/// label's .png, .jpg, .jpeg and .bmp files (nested folders count for their top sub-folder). Files whose names start
/// with '.' (.DS_Store and the like) are skipped; anything else that is not an image of those types is an error,
/// never silently left out.
/// </summary>
public sealed class ImageFolder
{
    private ImageFolder(string directory, IReadOnlyList<string> labels, IReadOnlyList<LabeledImage> images)
    {
        Directory = directory;
        Labels = labels;
        Images = images;
    }

    /// <summary>The image file extensions read (lower case; matched case-insensitively).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>The folder's full path.</summary>
    public string Directory { get; }

    /// <summary>Every label of the folder, in ordinal order (also for a <see cref="Split"/> part that lacks one).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The images, by label, then by path (ordinal).</summary>
    public IReadOnlyList<LabeledImage> Images { get; }

    /// <summary>Images per label, in <see cref="Labels"/> order.</summary>
    public IReadOnlyList<int> CountsByLabel => Labels.Select(l => Images.Count(i => i.Label == l)).ToArray();

    /// <summary>Whether <paramref name="path"/> has one of the <see cref="Extensions"/>.</summary>
    public static bool IsImageFile(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Lists <paramref name="directory"/>: every sub-folder is a label, every image file in it an example.
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <param name="checkFiles">Check every file with <see cref="ImageFiles.Check"/> (whole, decodable), so that a damaged file is named now rather than failing training halfway without its name.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder has no label sub-folders, only one label, an image outside a label folder, a label folder without images, or a file that is not a .png, .jpg, .jpeg or .bmp image; the message names it.</exception>
    /// <exception cref="ImageFileException">With <paramref name="checkFiles"/>: a file is damaged or not the image its name says.</exception>
    public static ImageFolder Load(string directory, bool checkFiles = true) => LoadListing(directory, checkFiles, damaged: null);

    /// <summary>
    /// Lists <paramref name="directory"/> as <see cref="Load(string, bool)"/> does, checking every file, but leaves out each
    /// damaged one instead of stopping at the first: <paramref name="damaged"/> names every file left out and its defect,
    /// in the folder's order. The layout errors are thrown as by <see cref="Load(string, bool)"/> (a label folder whose
    /// every file is damaged holds no images).
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <param name="damaged">Every file left out, with its defect (its <c>FilePath</c> and <c>Defect</c>).</param>
    public static ImageFolder LoadSkippingDamaged(string directory, out IReadOnlyList<ImageFileException> damaged)
    {
        var found = new List<ImageFileException>();
        var folder = LoadListing(directory, checkFiles: true, found);
        damaged = found;
        return folder;
    }

    private static ImageFolder LoadListing(string directory, bool checkFiles, List<ImageFileException>? damaged)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
            throw new DirectoryNotFoundException(
                $"Image folder '{full}' does not exist. Give a folder with one sub-folder per label (Model Builder's layout), e.g. {Path.Combine(full, "cat", "1.jpg")}.");

        var layout = $"one sub-folder per label holding {string.Join(", ", Extensions)} files";
        foreach (var file in System.IO.Directory.EnumerateFiles(full).Where(f => !IsHidden(f)).Order(StringComparer.Ordinal))
        {
            throw new InvalidDataException(
                $"'{file}' is directly in the image folder '{full}'; the folder holds {layout}: move the images into the folder named after their label, and other files out.");
        }

        var labelFolders = System.IO.Directory.EnumerateDirectories(full).Where(d => !IsHidden(d)).Order(StringComparer.Ordinal).ToList();
        if (labelFolders.Count == 0)
            throw new InvalidDataException($"Image folder '{full}' is empty; it needs {layout} (at least two labels).");
        if (labelFolders.Count == 1)
            throw new InvalidDataException(
                $"Image folder '{full}' has one label ('{Path.GetFileName(labelFolders[0])}'); a classifier needs at least two: add a sub-folder per class.");

        var images = new List<LabeledImage>();
        var labels = new List<string>();
        foreach (var folder in labelFolders)
        {
            var label = Path.GetFileName(folder);
            var files = System.IO.Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => !IsHidden(f))
                .Order(StringComparer.Ordinal)
                .ToList();
            foreach (var file in files)
            {
                if (!IsImageFile(file))
                    throw new InvalidDataException(
                        $"'{file}' in label folder '{label}' is not an image file read here (extension '{Path.GetExtension(file)}'); give {string.Join(", ", Extensions)} files, or move it out of '{full}'.");
                if (checkFiles)
                {
                    try
                    {
                        ImageFiles.Check(file);
                    }
                    catch (ImageFileException e) when (damaged is not null)
                    {
                        damaged.Add(e);
                        continue;
                    }
                }
                images.Add(new LabeledImage { Label = label, ImagePath = file });
            }
            if (files.Count == 0)
                throw new InvalidDataException($"Label folder '{folder}' holds no images; put {string.Join(", ", Extensions)} files of '{label}' in it, or remove it.");
            if (!images.Any(i => i.Label == label))
                throw new InvalidDataException($"Every one of the {files.Count:N0} image(s) in label folder '{folder}' is damaged; replace them, or remove the folder.");
            labels.Add(label);
        }
        return new ImageFolder(full, labels, images);
    }

    /// <summary>
    /// A stratified, seeded held-out split: from each label, <paramref name="testFraction"/> of its images (rounded,
    /// at least one when the label has two or more, never all of them) chosen at random with <paramref name="seed"/>
    /// go to the test part, the rest to the training part. The same folder, fraction and seed give the same split.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is not between 0 and 1 (exclusive).</exception>
    public ImageFolderSplit Split(double testFraction = 0.2, int seed = 1)
    {
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be between 0 and 1 (exclusive), e.g. 0.2.");
        var test = StratifiedHoldOut.Choose(Images.Select(i => i.Label).ToArray(), Labels, testFraction, seed);
        return new ImageFolderSplit(
            new ImageFolder(Directory, Labels, Images.Where((_, i) => !test[i]).ToArray()),
            new ImageFolder(Directory, Labels, Images.Where((_, i) => test[i]).ToArray()),
            testFraction, seed);
    }

    /// <summary>The images as an <see cref="IDataView"/> with the text columns <c>Label</c> and <c>ImagePath</c>.</summary>
    public IDataView ToDataView(MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return mlContext.Data.LoadFromEnumerable(Images);
    }

    private static bool IsHidden(string path) => Path.GetFileName(path).StartsWith('.');
}
