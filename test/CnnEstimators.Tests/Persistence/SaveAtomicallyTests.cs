using CnnMl.Persistence;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Persistence;

/// <summary>
/// Saving never clobbers: <c>mlContext.Model.SaveAtomically</c> leaves an existing file byte-identical and no
/// temporary file behind when saving fails at any point, including halfway through the zip (a transformer of the
/// pipeline that throws after the CNN's part was written), mid-stream (the disk fills up) and just before the rename.
/// </summary>
[TestClass]
public sealed class SaveAtomicallyTests
{
    private static MLContext _ml = null!;
    private static IDataView _data = null!;
    private static CnnTransformer _first = null!;
    private static CnnTransformer _second = null!;
    private string _folder = "";

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        _ml = new MLContext(seed: 3);
        _data = SyntheticImages.Create(128, classes: 4);
        _first = TrainOne(seed: 1);
        _second = TrainOne(seed: 2);
    }

    [ClassCleanup]
    public static void Dispose()
    {
        _first?.Dispose();
        _second?.Dispose();
    }

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("cnnml-atomic-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public void AFailureHalfwayThroughTheZipLeavesTheExistingFileByteIdentical()
    {
        var target = Path.Combine(_folder, "model.zip");
        _ml.Model.SaveAtomically(_first, _data.Schema, target);
        var before = File.ReadAllBytes(target);

        var failing = new TransformerChain<ITransformer>(_second, new FailingSaveTransformer());
        long writtenBeforeFailure = 0;
        var error = Assert.ThrowsExactly<IOException>(() => CnnModelFile.Save(_ml.Model, failing, _data.Schema, target,
            wrapStream: file => new CountingStream(file, count => writtenBeforeFailure = count), beforeCommit: null));

        StringAssert.Contains(error.Message, "injected");
        Assert.IsGreaterThan(100_000L, writtenBeforeFailure, "the CNN's part (its ONNX graph) was already written when the failure came");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(target), "the existing model is byte-identical");
        CollectionAssert.AreEqual(new[] { target }, Directory.GetFiles(_folder), "no temporary file remains");
    }

    [TestMethod]
    public void PlainModelSaveClobbersTheFileWhenATransformerFails()
    {
        // Why SaveAtomically exists: ML.NET's Save(path) creates the file before the transformers save.
        var target = Path.Combine(_folder, "model.zip");
        _ml.Model.SaveAtomically(_first, _data.Schema, target);
        var before = File.ReadAllBytes(target);

        var failing = new TransformerChain<ITransformer>(_second, new FailingSaveTransformer());
        Assert.ThrowsExactly<IOException>(() => _ml.Model.Save(failing, _data.Schema, target));

        CollectionAssert.AreNotEqual(before, File.ReadAllBytes(target), "plain Save overwrote the good model with a broken one");
        Assert.ThrowsExactly<InvalidDataException>(() => _ml.Model.LoadVerified(target, out _));
    }

    [TestMethod]
    public void AWriteErrorMidStreamLeavesTheExistingFileAndNoTemporaryFile()
    {
        var target = Path.Combine(_folder, "model.zip");
        _ml.Model.SaveAtomically(_first, _data.Schema, target);
        var before = File.ReadAllBytes(target);

        Assert.ThrowsExactly<IOException>(() => CnnModelFile.Save(_ml.Model, _second, _data.Schema, target,
            wrapStream: file => new CountingStream(file, failAfter: 64 * 1024), beforeCommit: null));

        CollectionAssert.AreEqual(before, File.ReadAllBytes(target));
        Assert.IsEmpty(AtomicFile.LeftoversFor(target));
        Assert.HasCount(1, Directory.GetFiles(_folder));
    }

    [TestMethod]
    public void AFailureJustBeforeTheRenameLeavesTheExistingFile()
    {
        var target = Path.Combine(_folder, "model.zip");
        _ml.Model.SaveAtomically(_first, _data.Schema, target);
        var before = File.ReadAllBytes(target);
        string? temporary = null;

        Assert.ThrowsExactly<UnauthorizedAccessException>(() => CnnModelFile.Save(_ml.Model, _second, _data.Schema, target, wrapStream: null,
            beforeCommit: complete =>
            {
                temporary = complete;
                Assert.IsGreaterThan(before.Length / 2L, new FileInfo(complete).Length, "the complete new zip is in the temporary file");
                throw new UnauthorizedAccessException("injected: the rename is refused");
            }));

        Assert.IsNotNull(temporary);
        Assert.AreEqual(_folder, Path.GetDirectoryName(temporary), "the temporary file lives beside the target (same file system)");
        Assert.IsFalse(File.Exists(temporary));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(target));
    }

    [TestMethod]
    public void ASuccessfulSaveReplacesTheFileWithOneThatLoads()
    {
        var target = Path.Combine(_folder, "model.zip");
        _ml.Model.SaveAtomically(_first, _data.Schema, target);
        var first = File.ReadAllBytes(target);
        var returned = _ml.Model.SaveAtomically(_second, _data.Schema, target);

        Assert.AreEqual(Path.GetFullPath(target), returned);
        CollectionAssert.AreNotEqual(first, File.ReadAllBytes(target));
        Assert.HasCount(1, Directory.GetFiles(_folder));
        var loaded = new MLContext().Model.LoadVerified(target, out var schema);
        var expected = ScoredRows.Read(_ml, _second.Transform(_data));
        var actual = ScoredRows.Read(_ml, loaded.Transform(_data));
        Assert.IsLessThanOrEqualTo(1e-5f, ScoredRows.LargestDifference(expected.Scores, actual.Scores));
        Assert.AreEqual("Image", schema[1].Name);
        (loaded as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void AMissingFolderIsReportedAndNothingIsCreated()
    {
        var target = Path.Combine(_folder, "no-such-folder", "model.zip");
        var error = Assert.ThrowsExactly<DirectoryNotFoundException>(() => _ml.Model.SaveAtomically(_first, _data.Schema, target));
        StringAssert.Contains(error.Message, "no-such-folder");
        Assert.IsEmpty(Directory.GetFileSystemEntries(_folder));
    }

    private static CnnTransformer TrainOne(int seed) =>
        _ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Epochs = 1, BatchSize = 32, ReportEveryBatches = 0, Seed = seed }).Fit(_data);

    /// <summary>A pipeline step whose save fails, after everything before it in the chain has been written.</summary>
    private sealed class FailingSaveTransformer : ITransformer
    {
        public bool IsRowToRowMapper => false;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();

        public IDataView Transform(IDataView input) => input;

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new IOException("injected failure: the disk filled up while saving");
    }

    /// <summary>Passes writes through, reports the byte count, and fails once <c>failAfter</c> bytes were written.</summary>
    private sealed class CountingStream(Stream inner, Action<long>? onWrite = null, long failAfter = long.MaxValue) : Stream
    {
        private long _written;

        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_written + count > failAfter) throw new IOException("injected: no space left on device");
            inner.Write(buffer, offset, count);
            _written += count;
            onWrite?.Invoke(_written);
        }

        // The inner file stream is owned by AtomicFile.
        protected override void Dispose(bool disposing) { }
    }
}
