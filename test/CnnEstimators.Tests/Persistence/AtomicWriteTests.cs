using System.Diagnostics;
using CnnMl.Persistence;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using TorchSharp;

namespace CnnMl.Tests.Persistence;

/// <summary>
/// A save that fails part-way (a stream that throws after N bytes) leaves an existing checkpoint byte for byte
/// as it was, and no temporary file behind.
/// </summary>
[TestClass]
public sealed class AtomicWriteTests
{
    private static CnnTransformer _model = null!;
    private static CnnTransformer _other = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        var ml = new MLContext(seed: 2);
        var options = new CnnTrainerOptions { Architecture = "lenet5", Epochs = 1, BatchSize = 32, ReportEveryBatches = 0 };
        _model = ml.MulticlassClassification.Trainers.Cnn(options).Fit(SyntheticImages.Create(64, seed: 3));
        options.Seed = 99;
        _other = ml.MulticlassClassification.Trainers.Cnn(options).Fit(SyntheticImages.Create(64, seed: 4));
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        _model.Dispose();
        _other.Dispose();
    }

    [TestMethod]
    public void AFailedSaveLeavesTheExistingFileUntouchedAndNoTemporaryFile()
    {
        using var folder = new TemporaryFolder("cnnml-atomic");
        var path = folder.File("model.ckpt");
        _model.SaveCheckpoint(path);
        var before = File.ReadAllBytes(path);
        var length = before.Length;

        // Fail at the start, in the header, in the middle of the weights, and while sealing (the last bytes).
        foreach (var failAfter in new long[] { 0, 100, length / 2, length - 10 })
        {
            FailingStream? stream = null;
            var e = Assert.ThrowsExactly<IOException>(() => _other.SaveCheckpoint(path, s => stream = new FailingStream(s, failAfter)));
            StringAssert.Contains(e.Message, "Injected failure");
            Assert.IsTrue(stream!.Failed);
            CollectionAssert.AreEqual(before, File.ReadAllBytes(path), $"failure after {failAfter} bytes changed the file");
            CollectionAssert.AreEqual(new[] { "model.ckpt" }, folder.FileNames(), $"failure after {failAfter} bytes left a temporary file");
        }

        // Without a failure the same call replaces the file, and the result loads as the other model.
        _other.SaveCheckpoint(path, interpose: null);
        CollectionAssert.AreNotEqual(before, File.ReadAllBytes(path));
        using var loaded = CnnTransformer.Load(path);
        Assert.IsFalse(StateEqual(_model, loaded), "the two models differ, so the comparisons above can fail");
        Assert.IsTrue(StateEqual(_other, loaded));
        CollectionAssert.AreEqual(new[] { "model.ckpt" }, folder.FileNames());
    }

    [TestMethod]
    public void AFolderThatDoesNotExistIsReportedBeforeAnythingIsWritten()
    {
        using var folder = new TemporaryFolder("cnnml-atomic");
        var e = Assert.ThrowsExactly<DirectoryNotFoundException>(() => _model.SaveCheckpoint(Path.Combine(folder.Path, "missing", "model.ckpt")));
        StringAssert.Contains(e.Message, "missing");
        Assert.IsEmpty(folder.FileNames());
    }

    [TestMethod]
    public void TheNextSaveDeletesTemporaryFilesOfDeadWritersAndNoOther()
    {
        using var folder = new TemporaryFolder("cnnml-atomic");
        // Real processes: one killed (SIGKILL) and reaped, so no process has its id; one alive.
        using var dead = Process.Start("sleep", "60");
        dead.Kill();
        dead.WaitForExit();
        using var live = Process.Start("sleep", "60");
        try
        {
            var here = TemporaryFileWriter.Scope;
            var elsewhere = here == "00000000" ? "11111111" : "00000000";
            string Temporary(string target, int writer, string scope) => $".cnnml-{target}.{TemporaryFileWriter.Tag(writer, scope)}.abcd1234.xyz.tmp";
            string[] stale = [Temporary("model.ckpt", dead.Id, here), Temporary("other model.zip", dead.Id, here)];
            string[] kept =
            [
                Temporary("model.ckpt", live.Id, here), // a writer at work
                Temporary("model.ckpt", Environment.ProcessId, here), // this process (a save on another thread)
                Temporary("model.ckpt", dead.Id, elsewhere), // another machine or container: its process ids are not ours
                ".cnnml-model.ckpt.abcd1234.xyz.tmp", // no writer in the name (an older CnnMl)
                "notes.tmp",
            ];
            foreach (var name in stale.Concat(kept)) File.WriteAllBytes(folder.File(name), new byte[450]);
            Assert.IsTrue(stale.All(name => TemporaryFileWriter.IsStale(name)), "the dead writer's files are recognized as stale");

            _model.SaveCheckpoint(folder.File("model.ckpt"));

            // Exactly these files: the stale ones are gone, and so is the save's own temporary file.
            CollectionAssert.AreEquivalent(kept.Append("model.ckpt").ToArray(), folder.FileNames());
        }
        finally
        {
            live.Kill();
            live.WaitForExit();
        }
    }

    private static bool StateEqual(CnnTransformer a, CnnTransformer b)
    {
        var left = a.Module.state_dict();
        var right = b.Module.state_dict();
        return left.Count == right.Count && left.All(p => TensorsEqual(p.Value, right[p.Key]));
    }

    private static bool TensorsEqual(torch.Tensor a, torch.Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
    }
}
