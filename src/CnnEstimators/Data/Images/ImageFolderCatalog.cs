using Microsoft.ML;

namespace CnnMl.Data;

/// <summary>Image folders (Model Builder's layout) for <see cref="MLContext.Data"/>.</summary>
public static class ImageFolderCatalog
{
    /// <summary>
    /// Loads a folder with one sub-folder per label (see <see cref="ImageFolder.Load"/>) as an <see cref="IDataView"/>
    /// with the text columns <c>Label</c> and <c>ImagePath</c> (full paths), ready for
    /// <c>MapValueToKey("Label")</c> and <c>mlContext.Transforms.CnnImageInput(shape)</c>.
    /// </summary>
    /// <param name="catalog">The data catalog (<c>mlContext.Data</c>).</param>
    /// <param name="directory">The folder.</param>
    /// <param name="checkFiles">Check that every file is a whole, decodable image first.</param>
    public static IDataView LoadImageFolder(this DataOperationsCatalog catalog, string directory, bool checkFiles = true)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var folder = ImageFolder.Load(directory, checkFiles);
        return catalog.LoadFromEnumerable(folder.Images);
    }
}
