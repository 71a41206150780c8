using CnnMl.Data;
using CnnMl.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Data;

[TestClass]
public sealed class MnistLoaderTests
{
    private string _dir = "";

    [TestInitialize]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("cnnml-mnist-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    private void WriteSplit(byte[] labels, int rows = 2, int cols = 3, Func<int, byte>? pixel = null)
    {
        var pixels = Enumerable.Range(0, labels.Length * rows * cols).Select(i => pixel?.Invoke(i) ?? (byte)(i % 256)).ToArray();
        File.WriteAllBytes(Path.Combine(_dir, "t10k-images-idx3-ubyte"), IdxReaderTests.Idx([labels.Length, rows, cols], pixels));
        File.WriteAllBytes(Path.Combine(_dir, "t10k-labels-idx1-ubyte"), IdxReaderTests.Idx([labels.Length], labels));
    }

    [TestMethod]
    public void SchemaHasDigitKeyLabelAndFixedSizeImage()
    {
        WriteSplit([3, 0, 9]);
        var data = new MLContext().Data.LoadMnist(_dir, MnistSplit.Test);
        var label = data.Schema["Label"];
        var key = (KeyDataViewType)label.Type;
        Assert.AreEqual(10UL, key.Count);
        Assert.AreEqual(typeof(uint), key.RawType);
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        label.Annotations.GetValue("KeyValues", ref names);
        CollectionAssert.AreEqual(new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }, names.DenseValues().Select(n => n.ToString()).ToArray());
        var image = (VectorDataViewType)data.Schema["Image"].Type;
        Assert.AreEqual(NumberDataViewType.Single, image.ItemType);
        Assert.AreEqual(6, image.Size);
        Assert.AreEqual(3L, data.GetRowCount());
    }

    [TestMethod]
    public void PixelsAreScaledAndKeysAreDigitPlusOne()
    {
        WriteSplit([3, 0], pixel: i => i == 0 ? (byte)255 : (byte)(i * 10));
        var ml = new MLContext();
        var data = ml.Data.LoadMnist(_dir, MnistSplit.Test);
        var images = data.GetColumn<VBuffer<float>>("Image").Select(v => v.DenseValues().ToArray()).ToArray();
        CollectionAssert.AreEqual(new[] { 1f, 10 / 255f, 20 / 255f, 30 / 255f, 40 / 255f, 50 / 255f }, images[0]);
        CollectionAssert.AreEqual(new uint[] { 4, 1 }, data.GetColumn<uint>("Label").ToArray());
        var digits = ml.Transforms.Conversion.MapKeyToValue("Digit", "Label").Fit(data).Transform(data);
        CollectionAssert.AreEqual(new[] { "3", "0" }, digits.GetColumn<ReadOnlyMemory<char>>("Digit").Select(d => d.ToString()).ToArray());
    }

    [TestMethod]
    public void RowLimitKeepsTheFirstRows()
    {
        WriteSplit([1, 2, 3, 4, 5]);
        var data = new MLContext().Data.LoadMnist(_dir, MnistSplit.Test, maxRows: 2);
        CollectionAssert.AreEqual(new uint[] { 2, 3 }, data.GetColumn<uint>("Label").ToArray());
    }

    [TestMethod]
    public void LabelOutOfRangeNamesFileRowAndValue()
    {
        WriteSplit([1, 12, 3]);
        var ex = Assert.ThrowsExactly<IdxFormatException>(() => new MLContext().Data.LoadMnist(_dir, MnistSplit.Test));
        StringAssert.EndsWith(ex.FilePath, "t10k-labels-idx1-ubyte");
        StringAssert.Contains(ex.Message, "label 1 is 12; MNIST labels are 0 to 9");
    }

    [TestMethod]
    public void CountMismatchIsReported()
    {
        WriteSplit([1, 2, 3]);
        File.WriteAllBytes(Path.Combine(_dir, "t10k-labels-idx1-ubyte"), IdxReaderTests.Idx([2], [1, 2]));
        var ex = Assert.ThrowsExactly<IdxFormatException>(() => new MLContext().Data.LoadMnist(_dir, MnistSplit.Test));
        StringAssert.Contains(ex.Message, "holds 2 labels but");
        StringAssert.Contains(ex.Message, "holds 3 images");
    }

    [TestMethod]
    public void MissingFolderSaysHowToFetch()
    {
        var missing = Path.Combine(_dir, "absent");
        var ex = Assert.ThrowsExactly<DirectoryNotFoundException>(() => new MLContext().Data.LoadMnist(missing, MnistSplit.Train));
        StringAssert.Contains(ex.Message, missing);
        StringAssert.Contains(ex.Message, $"'cnnml data mnist --data {missing}'");
    }

    [TestMethod]
    public void RealMnistHasTheOfficialLabelCounts()
    {
        var dir = TestPaths.RequireMnist();
        var train = MnistDataset.Load(dir, MnistSplit.Train);
        var test = MnistDataset.Load(dir, MnistSplit.Test);
        Assert.AreEqual(60_000, train.Count);
        Assert.AreEqual(10_000, test.Count);
        Assert.AreEqual(28, train.Rows);
        Assert.AreEqual(28, train.Columns);
        CollectionAssert.AreEqual(new[] { 5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949 },
            Enumerable.Range(0, 10).Select(d => train.Labels.Count(l => l == d)).ToArray());
        CollectionAssert.AreEqual(new[] { 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 },
            Enumerable.Range(0, 10).Select(d => test.Labels.Count(l => l == d)).ToArray());
    }
}
