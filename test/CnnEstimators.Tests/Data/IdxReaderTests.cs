using System.Buffers.Binary;
using System.IO.Compression;
using CnnMl.Data;

namespace CnnMl.Tests.Data;

[TestClass]
public sealed class IdxReaderTests
{
    private string _dir = "";

    [TestInitialize]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("cnnml-idx-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    internal static byte[] Idx(int[] dims, byte[] payload, byte type = 0x08, byte firstByte = 0)
    {
        var bytes = new byte[4 + 4 * dims.Length + payload.Length];
        bytes[0] = firstByte;
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (var i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        payload.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [TestMethod]
    public void ReadsDimensionsAndPayload()
    {
        var payload = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)i).ToArray();
        var file = IdxReader.Read(Write("good", Idx([2, 3, 4], payload)));
        CollectionAssert.AreEqual(new[] { 2, 3, 4 }, file.Dimensions.ToArray());
        Assert.AreEqual(2, file.Count);
        Assert.AreEqual(12, file.ItemSize);
        CollectionAssert.AreEqual(payload, file.Data);
    }

    [TestMethod]
    public void ReadsGzip()
    {
        var payload = new byte[] { 7, 1, 9 };
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(Idx([3], payload));
        var file = IdxReader.Read(Write("labels.gz", buffer.ToArray()));
        CollectionAssert.AreEqual(payload, file.Data);
    }

    [TestMethod]
    public void TruncatedPayloadNamesFileAndCounts()
    {
        var bytes = Idx([10, 28, 28], new byte[10 * 28 * 28])[..^5];
        var path = Write("truncated", bytes);
        var ex = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Read(path));
        Assert.AreEqual(path, ex.FilePath);
        Assert.AreEqual($"Idx file '{path}': truncated: header promises 7,840 payload bytes (10x28x28) but only 7,835 follow", ex.Message);
    }

    [TestMethod]
    public void TruncatedHeaderIsReported()
    {
        var path = Write("short-header", Idx([10, 28, 28], [])[..9]);
        var ex = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Read(path));
        StringAssert.Contains(ex.Message, "truncated header: 3 dimension sizes expected");
    }

    [TestMethod]
    public void WrongMagicIsReported()
    {
        var path = Write("wrong-magic", Idx([1], [0], firstByte: 0x50));
        var ex = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Read(path));
        Assert.AreEqual($"Idx file '{path}': bad magic number 0x50000801: the first two bytes must be zero (is this an idx file?)", ex.Message);
    }

    [TestMethod]
    public void UnsupportedElementTypeIsReported()
    {
        var path = Write("floats", Idx([1], [0, 0, 0, 0], type: 0x0D));
        var ex = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Read(path));
        StringAssert.Contains(ex.Message, "element type 0x0D is not supported");
    }

    [TestMethod]
    public void TrailingBytesAreReported()
    {
        var path = Write("long", Idx([2], [1, 2, 3]));
        var ex = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Read(path));
        StringAssert.Contains(ex.Message, "2 payload bytes (2) are followed by extra data");
    }

    [TestMethod]
    public void EmptyFileIsReported()
    {
        var path = Write("empty", []);
        var ex = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Read(path));
        StringAssert.Contains(ex.Message, "shorter than the 4-byte magic number");
    }

    [TestMethod]
    public void MissingFileNamesThePath()
    {
        var path = Path.Combine(_dir, "nope");
        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => IdxReader.Read(path));
        StringAssert.Contains(ex.Message, path);
    }
}
