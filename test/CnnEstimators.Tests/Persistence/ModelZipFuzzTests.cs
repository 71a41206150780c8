using System.IO.Compression;
using CnnMl.Persistence;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Persistence;

/// <summary>
/// 500 mutated model zips (fixed seed) through <c>mlContext.Model.LoadVerified</c>: each ends in its documented
/// <see cref="InvalidDataException"/> naming the file, or in a model that loads and scores (harmless when it scores
/// exactly as saved: a change in bytes nothing reads, such as a timestamp) — never in another exception, a crash or a hang. Half of the zips come
/// from <c>SaveAtomically</c> (with the integrity manifest), half from plain <c>Model.Save</c> (CRC-32 only, then
/// ML.NET's own loader), so both layers of detection are exercised. Each detection is counted by what made it (CnnMl's
/// zip checks, the manifest, or ML.NET's loader), and a loader that crashed (a NullReferenceException, say, which
/// <c>LoadVerified</c> would wrap like any other) is a failure, not a detection.
/// </summary>
[TestClass]
public sealed class ModelZipFuzzTests
{
    private const int Cases = 500;
    private const int TailBytes = 2048;
    private static readonly TimeSpan PerCaseLimit = TimeSpan.FromSeconds(30);

    private enum Mutation { Truncate, FlipBits, FlipBitsInEntry, TruncateEntry, DropEntry, AddEntry, RenameEntry, SwapEntries, FlipTailByte }

    /// <summary>
    /// Detected: InvalidDataException naming the file, split by what detected the defect — CnnMl's zip checks before ML.NET
    /// sees the bytes (structure and CRC-32), the manifest (SHA-256 and lengths of every entry), or ML.NET's loader
    /// (the exception LoadVerified wraps, which must be one a loader throws for bad data). Harmless: loads and scores
    /// exactly like the saved model (the mutation hit bytes nothing reads, or an entry ML.NET ignores). Undetected: loads
    /// and scores, but differently. Failed: anything else — another exception, a message without the file name, a hang,
    /// a model that cannot score, or a loader that crashed rather than detected (a NullReferenceException,
    /// IndexOutOfRangeException or AccessViolationException inside the wrapped one is a bug, not a detection).
    /// </summary>
    private enum Outcome { DetectedByZipChecks, DetectedByManifest, DetectedByLoader, Harmless, Undetected, Failed }

    private static readonly Outcome[] Detections = [Outcome.DetectedByZipChecks, Outcome.DetectedByManifest, Outcome.DetectedByLoader];

    [TestMethod]
    public void ADamagedCentralDirectoryIsReportedWithTheFileNameAndWhatToDo()
    {
        // What probing found: .NET's ZipArchive reads the central directory when the entries are first listed, and a
        // wrong entry count in its end record threw .NET's own InvalidDataException, without the file name or a remedy.
        var ml = new MLContext(seed: 4);
        var data = SyntheticImages.Create(32, classes: 4);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Epochs = 1, BatchSize = 32, ReportEveryBatches = 0, Seed = 1 }).Fit(data);
        using var folder = new TemporaryFolder("cnnml-fuzz");
        var path = ml.Model.SaveAtomically(model, data.Schema, folder.File("model.zip"));
        var bytes = File.ReadAllBytes(path);
        // The end-of-central-directory record: signature 50 4B 05 06, two disk numbers, then the number of entries on
        // this disk and in total (equal, or .NET calls it a split archive). One more entry than the directory holds:
        var end = bytes.AsSpan().LastIndexOf([(byte)0x50, (byte)0x4B, (byte)0x05, (byte)0x06]);
        Assert.IsGreaterThan(0, end);
        bytes[end + 8]++;
        bytes[end + 10]++;
        File.WriteAllBytes(path, bytes);
        var dotnet = Assert.ThrowsExactly<InvalidDataException>(() => new ZipArchive(new MemoryStream(bytes)).Entries.Count);
        StringAssert.Contains(dotnet.Message, "Number of entries expected in End Of Central Directory", "the damage this test makes");

        var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadVerified(path, out _));

        StringAssert.StartsWith(error.Message, $"The model file '{path}' is damaged or is not an ML.NET model zip: its zip central directory is damaged (");
        StringAssert.Contains(error.Message, dotnet.Message);
        StringAssert.EndsWith(error.Message, "Save the model again (mlContext.Model.SaveAtomically) or restore the file from a copy.");
    }

    [TestMethod]
    public void MutatedZipsEndInInvalidDataExceptionOrAWorkingModel()
    {
        var ml = new MLContext(seed: 4);
        var data = SyntheticImages.Create(64, classes: 4);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Epochs = 1, BatchSize = 32, ReportEveryBatches = 0, Seed = 1 }).Fit(data);
        var folder = Directory.CreateTempSubdirectory("cnnml-fuzz-").FullName;
        try
        {
            var withManifest = File.ReadAllBytes(ml.Model.SaveAtomically(model, data.Schema, Path.Combine(folder, "manifest.zip")));
            byte[] plain;
            using (var stream = new MemoryStream())
            {
                ml.Model.Save(model, data.Schema, stream);
                plain = stream.ToArray();
            }
            var probe = ml.Data.TakeRows(data, 8);
            // The saved chain's own scores (ONNX Runtime), against which a loaded mutant is compared bit for bit.
            List<float[]> expected;
            using (var saved = (TransformerChain<ITransformer>)new MLContext().Model.Load(new MemoryStream(plain), out _))
                expected = saved.Transform(probe).GetColumn<float[]>("Score").ToList();
            var undetected = new Dictionary<bool, List<string>> { [true] = [], [false] = [] };
            var random = new Random(20261128);
            var counts = new Dictionary<(bool Manifest, Outcome Outcome), int>();
            var entryEdits = new Dictionary<(bool Manifest, Outcome Outcome), int>(); // CRC-consistent rewrites of entries
            var failures = new List<string>();
            var started = DateTime.UtcNow;

            for (var i = 0; i < Cases; i++)
            {
                var manifest = i % 2 == 0;
                var mutation = (Mutation)random.Next(Enum.GetValues<Mutation>().Length);
                var bytes = Mutate(manifest ? withManifest : plain, mutation, random, out var detail);
                var path = Path.Combine(folder, $"case-{i:D3}.zip");
                File.WriteAllBytes(path, bytes);
                var outcome = Run(path, probe, expected, out var message);
                counts[(manifest, outcome)] = counts.GetValueOrDefault((manifest, outcome)) + 1;
                if (mutation is not (Mutation.Truncate or Mutation.FlipBits or Mutation.FlipTailByte))
                    entryEdits[(manifest, outcome)] = entryEdits.GetValueOrDefault((manifest, outcome)) + 1;
                if (outcome == Outcome.Undetected) undetected[manifest].Add($"{mutation}: {detail}");
                if (outcome == Outcome.Failed) failures.Add($"case {i} ({mutation}: {detail}, {(manifest ? "manifest" : "plain")}): {message}");
                File.Delete(path);
            }

            var elapsed = DateTime.UtcNow - started;
            int Count(bool manifest, params Outcome[] outcomes) => outcomes.Sum(outcome => counts.GetValueOrDefault((manifest, outcome)));
            foreach (var manifest in new[] { true, false })
                Console.WriteLine($"{(manifest ? "SaveAtomically zips" : "plain Model.Save zips")}: " +
                                  $"{Count(manifest, Detections)} InvalidDataException (zip checks {Count(manifest, Outcome.DetectedByZipChecks)}, " +
                                  $"manifest {Count(manifest, Outcome.DetectedByManifest)}, ML.NET's loader {Count(manifest, Outcome.DetectedByLoader)}), " +
                                  $"{counts.GetValueOrDefault((manifest, Outcome.Harmless))} harmless (load and score as saved), " +
                                  $"{counts.GetValueOrDefault((manifest, Outcome.Undetected))} undetected (load, score differently: " +
                                  $"{string.Join("; ", undetected[manifest].Take(5))}), {counts.GetValueOrDefault((manifest, Outcome.Failed))} other outcomes");
            Console.WriteLine($"{Cases} cases in {elapsed.TotalSeconds:F1} s; entry rewrites (fresh CRC): " +
                              string.Join(", ", entryEdits.OrderBy(p => p.Key).Select(p => $"{(p.Key.Manifest ? "manifest" : "plain")} {p.Key.Outcome} {p.Value}")));
            Assert.IsEmpty(failures, string.Join(Environment.NewLine, failures.Take(10)));
            // With the manifest, no mutation that changes what the model computes gets through, and CnnMl's own checks catch
            // most before ML.NET's loader sees the bytes (measured: 238 of 250, the manifest 167 of them, the loader none).
            Assert.AreEqual(0, counts.GetValueOrDefault((true, Outcome.Undetected)), string.Join("; ", undetected[true]));
            Assert.IsGreaterThanOrEqualTo(0.95 * Cases / 2, Count(true, Outcome.DetectedByZipChecks, Outcome.DetectedByManifest));
            // An entry rewritten with a fresh CRC passes the zip checks: only the manifest can catch it, and it catches every
            // one that changes a byte (measured: 161 of 170; the 9 others changed nothing, such as a swap of equal entries).
            Assert.AreEqual(0, entryEdits.Where(p => p.Key.Manifest && p.Key.Outcome is not (Outcome.DetectedByManifest or Outcome.Harmless)).Sum(p => p.Value),
                "an entry rewrite of a manifest zip was not caught by the manifest");
            Assert.IsGreaterThanOrEqualTo(0.9 * entryEdits.Where(p => p.Key.Manifest).Sum(p => p.Value), entryEdits.GetValueOrDefault((true, Outcome.DetectedByManifest)));
            // Without it, an entry rewritten with a fresh CRC (a weight changed inside the ONNX graph, say) can load:
            // CRC-32 and ML.NET's own checks still catch most (measured: 174 of 250 — the zip checks 75, ML.NET's loader
            // 99, none of them a crash — and 1 undetected).
            Assert.IsGreaterThanOrEqualTo(0.65 * Cases / 2, Count(false, Detections));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Outcome Run(string path, IDataView probe, List<float[]> expected, out string message)
    {
        string result = "";
        var task = Task.Run(() =>
        {
            ITransformer loaded;
            try
            {
                loaded = new MLContext(seed: 0).Model.LoadVerified(path, out _);
            }
            catch (InvalidDataException e)
            {
                if (!e.Message.Contains(path, StringComparison.Ordinal))
                {
                    result = $"message without the file name: {e.Message}";
                    return Outcome.Failed;
                }
                if (e.InnerException is null)
                    return e.Message.Contains("manifest", StringComparison.Ordinal) ? Outcome.DetectedByManifest : Outcome.DetectedByZipChecks;
                if (Crash(e.InnerException) is { } crash)
                {
                    result = $"ML.NET's loader crashed rather than detected the damage ({crash.GetType().Name} at {crash.StackTrace?.Split('\n')[0].Trim()}): {e.Message}";
                    return Outcome.Failed;
                }
                return Outcome.DetectedByLoader;
            }
            try
            {
                var rows = loaded.Transform(probe).GetColumn<float[]>("Score").ToList();
                if (rows.Count != expected.Count || rows.Any(r => r.Length != expected[0].Length))
                {
                    result = "loaded, but scored the wrong shape";
                    return Outcome.Failed;
                }
                return rows.Zip(expected).All(pair => pair.First.SequenceEqual(pair.Second)) ? Outcome.Harmless : Outcome.Undetected;
            }
            catch (Exception e)
            {
                result = $"loaded, then scoring threw {e.GetType().Name}: {e.Message}";
                return Outcome.Failed;
            }
            finally
            {
                (loaded as IDisposable)?.Dispose();
            }
        });
        try
        {
            if (!task.Wait(PerCaseLimit))
            {
                message = $"no outcome within {PerCaseLimit.TotalSeconds} s (hang)";
                return Outcome.Failed;
            }
        }
        catch (AggregateException e)
        {
            message = $"{e.InnerException!.GetType().Name}: {e.InnerException.Message}";
            return Outcome.Failed;
        }
        message = result;
        return task.Result;
    }

    // The innermost exception that means a bug in the code that threw it, not a report of bad data.
    private static Exception? Crash(Exception? e)
    {
        Exception? crash = null;
        for (; e is not null; e = e.InnerException)
        {
            if (e is NullReferenceException or IndexOutOfRangeException or AccessViolationException) crash = e;
            if (e is AggregateException aggregate) return aggregate.InnerExceptions.Select(Crash).FirstOrDefault(c => c is not null) ?? crash;
        }
        return crash;
    }

    private static byte[] Mutate(byte[] original, Mutation mutation, Random random, out string detail)
    {
        var bytes = (byte[])original.Clone();
        switch (mutation)
        {
            case Mutation.Truncate:
            {
                var length = random.Next(bytes.Length);
                detail = $"cut at {length} of {bytes.Length}";
                return bytes[..length];
            }
            case Mutation.FlipBits:
            {
                var flips = random.Next(1, 9);
                var at = new List<int>();
                for (var f = 0; f < flips; f++)
                {
                    var position = random.Next(bytes.Length);
                    bytes[position] ^= (byte)(1 << random.Next(8));
                    at.Add(position);
                }
                detail = $"bits flipped at {string.Join(",", at)}";
                return bytes;
            }
            case Mutation.FlipTailByte:
            {
                // The central directory and its end record: .NET's ZipArchive reads them when the entries are first listed.
                var position = bytes.Length - 1 - random.Next(Math.Min(TailBytes, bytes.Length));
                bytes[position] = (byte)(bytes[position] ^ random.Next(1, 256));
                detail = $"byte {position} of {bytes.Length} changed";
                return bytes;
            }
            default:
                return EditEntries(bytes, mutation, random, out detail);
        }
    }

    // Entry edits rewrite the zip through ZipArchive, so CRCs and sizes stay consistent: only content checks catch them.
    private static byte[] EditEntries(byte[] original, Mutation mutation, Random random, out string detail)
    {
        var entries = Entries(original);
        var index = random.Next(entries.Count);
        var (name, bytes) = entries[index];
        switch (mutation)
        {
            case Mutation.FlipBitsInEntry:
                bytes = (byte[])bytes.Clone();
                if (bytes.Length > 0) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                entries[index] = (name, bytes);
                detail = $"a bit of '{name}'";
                break;
            case Mutation.TruncateEntry:
                entries[index] = (name, bytes[..random.Next(Math.Max(1, bytes.Length))]);
                detail = $"'{name}' cut";
                break;
            case Mutation.DropEntry:
                entries.RemoveAt(index);
                detail = $"'{name}' removed";
                break;
            case Mutation.AddEntry:
                entries.Add(($"TransformerChain/Extra_{random.Next(1000)}/Model.key", RandomBytes(random, 64)));
                detail = "an extra entry";
                break;
            case Mutation.RenameEntry:
                entries[index] = (name + "x", bytes);
                detail = $"'{name}' renamed";
                break;
            default:
                var other = random.Next(entries.Count);
                entries[index] = (name, entries[other].Content);
                entries[other] = (entries[other].Name, bytes);
                detail = $"'{name}' and '{entries[other].Name}' swapped";
                break;
        }
        using var output = new MemoryStream();
        using (var writer = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (entryName, content) in entries)
            {
                using var stream = writer.CreateEntry(entryName, CompressionLevel.Fastest).Open();
                stream.Write(content);
            }
        }
        return output.ToArray();
    }

    private static readonly Dictionary<byte[], List<(string Name, byte[] Content)>> EntryCache = new(ReferenceEqualityComparer.Instance);

    // The original zips' entries, read once (each case edits a copy of the list).
    private static List<(string Name, byte[] Content)> Entries(byte[] zip)
    {
        if (!EntryCache.TryGetValue(zip, out var entries))
        {
            entries = [];
            using var reader = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
            foreach (var entry in reader.Entries)
            {
                using var content = entry.Open();
                using var copy = new MemoryStream();
                content.CopyTo(copy);
                entries.Add((entry.FullName, copy.ToArray()));
            }
            EntryCache[zip] = entries;
        }
        return [.. entries];
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
