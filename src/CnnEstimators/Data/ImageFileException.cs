namespace CnnMl.Data;

/// <summary>
/// An image file is damaged, truncated or not an image CnnMl reads (PNG, JPEG, BMP, GIF). The message names the
/// file and the defect. Thrown by <see cref="ImageFiles.Check"/> and <see cref="ImageFileCatalog.CheckImageFiles"/>.
/// </summary>
public sealed class ImageFileException : FormatException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    public ImageFileException(string filePath, string defect)
        : base($"Image file '{filePath}': {defect}")
    {
        FilePath = filePath;
        Defect = defect;
    }

    /// <summary>The file that failed the check.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it.</summary>
    public string Defect { get; }
}
