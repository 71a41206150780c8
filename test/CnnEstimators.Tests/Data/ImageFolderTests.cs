using CnnMl.Data;
using CnnMl.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Data;

/// <summary>
/// Model Builder's folder layout (<see cref="ImageFolder"/>, <c>mlContext.Data.LoadImageFolder</c>): what it lists,
/// the stratified seeded split, and an error naming the folder or file for every layout it cannot read.
/// </summary>
[TestClass]
public sealed class ImageFolderTests
{
    private static void WriteImages(string folder, string label, int count)
    {
        var labelFolder = Directory.CreateDirectory(Path.Combine(folder, label)).FullName;
        var random = new Random(count);
        for (var i = 0; i < count; i++)
        {
            using var image = MLImage.CreateFromPixels(CircleBarImages.Size, CircleBarImages.Size, MLPixelFormat.Bgra32, CircleBarImages.Pixels(i % 2 == 0, random));
            image.Save(Path.Combine(labelFolder, $"{i:D3}{(i % 3 == 0 ? ".jpg" : ".png")}"));
        }
    }

    [TestMethod]
    public void ListsEveryImageUnderItsSubFolderAsLabelAndImagePathColumns()
    {
        using var folder = new TemporaryFolder("cnnml-image-folder");
        WriteImages(folder.Path, "cat", 4);
        WriteImages(folder.Path, "dog", 3);
        File.WriteAllText(Path.Combine(folder.Path, "dog", ".DS_Store"), "hidden files are skipped");

        var images = ImageFolder.Load(folder.Path);
        CollectionAssert.AreEqual(new[] { "cat", "dog" }, images.Labels.ToArray());
        CollectionAssert.AreEqual(new[] { 4, 3 }, images.CountsByLabel.ToArray());
        Assert.AreEqual(Path.Combine(folder.Path, "cat", "000.jpg"), images.Images[0].ImagePath, "full paths, by label then name");

        var ml = new MLContext();
        var data = ml.Data.LoadImageFolder(folder.Path);
        Assert.AreEqual(TextDataViewType.Instance, data.Schema["Label"].Type);
        Assert.AreEqual(TextDataViewType.Instance, data.Schema["ImagePath"].Type);
        CollectionAssert.AreEqual(new[] { "cat", "cat", "cat", "cat", "dog", "dog", "dog" }, data.GetColumn<string>("Label").ToArray());
    }

    [TestMethod]
    public void SplitHoldsOutTheFractionOfEveryLabelAndRepeatsWithItsSeed()
    {
        using var folder = new TemporaryFolder("cnnml-image-split");
        WriteImages(folder.Path, "a", 10);
        WriteImages(folder.Path, "b", 7);
        WriteImages(folder.Path, "c", 3);
        var images = ImageFolder.Load(folder.Path);

        var split = images.Split(0.2, seed: 1);
        // Per label: round(10 × 0.2) = 2, round(7 × 0.2) = 1, round(3 × 0.2) = 1 (at least one per label).
        CollectionAssert.AreEqual(new[] { 2, 1, 1 }, split.Test.CountsByLabel.ToArray());
        CollectionAssert.AreEqual(new[] { 8, 6, 2 }, split.Train.CountsByLabel.ToArray());
        CollectionAssert.AreEqual(images.Labels.ToArray(), split.Test.Labels.ToArray());
        var train = split.Train.Images.Select(i => i.ImagePath).ToHashSet();
        var test = split.Test.Images.Select(i => i.ImagePath).ToHashSet();
        Assert.IsFalse(train.Overlaps(test), "no image in both parts");
        Assert.AreEqual(20, train.Count + test.Count, "every image in one part");

        var again = images.Split(0.2, seed: 1).Test.Images.Select(i => i.ImagePath).ToList();
        CollectionAssert.AreEqual(split.Test.Images.Select(i => i.ImagePath).ToList(), again, "the same seed, the same test images");
        var otherSeeds = Enumerable.Range(2, 5).Select(s => string.Join("|", images.Split(0.2, s).Test.Images.Select(i => i.ImagePath))).ToHashSet();
        Assert.IsGreaterThan(1, otherSeeds.Count, "other seeds choose other images");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => images.Split(1.0));
    }

    [TestMethod]
    public void EveryLayoutItCannotReadIsAnErrorNamingTheFolderOrFile()
    {
        using var folder = new TemporaryFolder("cnnml-image-errors");
        var missing = Path.Combine(folder.Path, "nowhere");
        StringAssert.Contains(Assert.ThrowsExactly<DirectoryNotFoundException>(() => ImageFolder.Load(missing)).Message, $"'{missing}' does not exist");

        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ImageFolder.Load(folder.Path)).Message, $"'{folder.Path}' is empty");

        WriteImages(folder.Path, "only", 2);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ImageFolder.Load(folder.Path)).Message, "has one label ('only')");

        Directory.CreateDirectory(Path.Combine(folder.Path, "empty"));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ImageFolder.Load(folder.Path)).Message,
            $"Label folder '{Path.Combine(folder.Path, "empty")}' holds no images");
        WriteImages(folder.Path, "empty", 2);

        var text = Path.Combine(folder.Path, "only", "notes.txt");
        File.WriteAllText(text, "not an image");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ImageFolder.Load(folder.Path)).Message,
            $"'{text}' in label folder 'only' is not an image file read here (extension '.txt')");
        File.Delete(text);

        var loose = Path.Combine(folder.Path, "loose.png");
        File.Copy(Directory.GetFiles(Path.Combine(folder.Path, "only"))[0], loose);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ImageFolder.Load(folder.Path)).Message, $"'{loose}' is directly in the image folder");
        File.Delete(loose);

        var damaged = Path.Combine(folder.Path, "only", "damaged.png");
        File.WriteAllBytes(damaged, File.ReadAllBytes(Directory.GetFiles(Path.Combine(folder.Path, "only"), "*.png")[0])[..40]);
        var error = Assert.ThrowsExactly<ImageFileException>(() => ImageFolder.Load(folder.Path));
        Assert.AreEqual(damaged, error.FilePath);
        Assert.AreEqual(2, ImageFolder.Load(folder.Path, checkFiles: false).Labels.Count, "checkFiles: false lists without reading the files");
    }
}
