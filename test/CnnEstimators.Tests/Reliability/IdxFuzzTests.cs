using System.Diagnostics;
using System.IO.Compression;
using CnnMl.Data;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.Reliability;

/// <summary>
/// 500 damaged idx files, made with a fixed seed from a small valid MNIST-format pair (50 synthetic 28×28 images
/// and their labels, raw and gzip), each go through <see cref="MnistDataset.Load"/>: every one must end in an
/// <see cref="IdxFormatException"/> whose message names the damaged file — never another exception, a crash, a
/// hang, a huge allocation or a dataset. Damage: cut anywhere; a flipped bit in the idx header (raw files; a raw
/// payload has no checksum, so a flipped pixel is a valid file) or anywhere in a gzip file but its unchecked
/// time/flags/OS bytes (the gzip CRC covers the rest); a foreign magic number, element type or rank; bytes
/// appended; a label outside 0–9; an item count that disagrees with the partner file.
/// </summary>
[TestClass]
public sealed class IdxFuzzTests
{
    private const int Cases = 500;
    private const int Items = 50;

    private enum Damage { Cut, FlippedBit, ForeignHeader, Appended, LabelOutOfRange, CountMismatch }

    [TestMethod]
    public void FiveHundredDamagedIdxFilesEachEndInIdxFormatExceptionNamingTheFile()
    {
        var random = new Random(20261128);
        var (images, labels) = ValidPair(random);
        using var folder = new TemporaryFolder("cnnml-idx-fuzz");
        var (imagesName, labelsName) = MnistDataset.FileNames(MnistSplit.Train);
        var failures = new List<string>();
        var kinds = new Dictionary<string, int>();
        var slowest = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();

        // The undamaged pair loads: what follows fails only because of the damage.
        WritePair(folder, imagesName, labelsName, images, labels, gzip: false);
        Assert.AreEqual(Items, MnistDataset.Load(folder.Path, MnistSplit.Train).Count);

        for (var i = 0; i < Cases; i++)
        {
            var gzip = i % 4 >= 2;
            var damageLabels = i % 2 == 1;
            foreach (var file in Directory.GetFiles(folder.Path)) File.Delete(file);
            var (imagesPath, labelsPath) = WritePair(folder, imagesName, labelsName, images, labels, gzip);
            var target = damageLabels ? labelsPath : imagesPath;
            var (kind, bytes) = Damaged(random, File.ReadAllBytes(target), gzip, damageLabels);
            File.WriteAllBytes(target, bytes);
            var what = $"case {i} ({kind}, {Path.GetFileName(target)})";
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;

            var started = clock.Elapsed;
            try
            {
                var loaded = MnistDataset.Load(folder.Path, MnistSplit.Train);
                failures.Add($"{what}: loaded {loaded.Count} images without an error");
            }
            catch (IdxFormatException ex)
            {
                if (!ex.Message.Contains(target, StringComparison.Ordinal)) failures.Add($"{what}: the message does not name the file: {ex.Message}");
            }
            catch (Exception ex)
            {
                failures.Add($"{what}: {ex.GetType().Name}: {ex.Message}");
            }
            var took = clock.Elapsed - started;
            if (took > slowest) slowest = took;
        }

        Console.WriteLine($"{Cases} cases in {clock.Elapsed.TotalSeconds:F1} s (slowest {slowest.TotalMilliseconds:F0} ms): " +
                          string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        Assert.IsEmpty(failures, $"{failures.Count} of {Cases} cases failed:\n{string.Join("\n", failures.Take(20))}");
        Assert.IsLessThan(TimeSpan.FromSeconds(1), slowest, "no case may take long (a huge allocation or a hang)");
    }

    private static (byte[] Images, byte[] Labels) ValidPair(Random random)
    {
        var images = new byte[16 + Items * 28 * 28];
        images[2] = 0x08;
        images[3] = 3;
        WriteBigEndian(images, 4, Items);
        WriteBigEndian(images, 8, 28);
        WriteBigEndian(images, 12, 28);
        random.NextBytes(images.AsSpan(16));
        var labels = new byte[8 + Items];
        labels[2] = 0x08;
        labels[3] = 1;
        WriteBigEndian(labels, 4, Items);
        for (var i = 0; i < Items; i++) labels[8 + i] = (byte)(i % 10);
        return (images, labels);
    }

    private static (string Images, string Labels) WritePair(TemporaryFolder folder, string imagesName, string labelsName, byte[] images, byte[] labels, bool gzip)
    {
        var suffix = gzip ? ".gz" : "";
        var (imagesPath, labelsPath) = (folder.File(imagesName + suffix), folder.File(labelsName + suffix));
        File.WriteAllBytes(imagesPath, gzip ? Gzip(images) : images);
        File.WriteAllBytes(labelsPath, gzip ? Gzip(labels) : labels);
        return (imagesPath, labelsPath);
    }

    private static (string Kind, byte[] Bytes) Damaged(Random random, byte[] file, bool gzip, bool isLabels)
    {
        var kinds = new List<Damage> { Damage.Cut, Damage.FlippedBit, Damage.ForeignHeader, Damage.Appended, Damage.CountMismatch };
        if (isLabels) kinds.Add(Damage.LabelOutOfRange);
        var damage = kinds[random.Next(kinds.Count)];
        var prefix = gzip ? "gzip " : "raw ";
        // Damage to the idx content of a gzip file is made before compressing it again.
        byte[] Content(Func<byte[], byte[]> change) => gzip ? Gzip(change(Gunzip(file))) : change(file);
        switch (damage)
        {
            case Damage.Cut:
                return (prefix + "cut", file[..random.Next(0, file.Length)]);
            case Damage.FlippedBit:
            {
                var bytes = (byte[])file.Clone();
                int at;
                if (gzip)
                {
                    // Bytes 4–9 (time, extra flags, OS) are outside every gzip check.
                    do at = random.Next(bytes.Length); while (at is >= 4 and <= 9);
                }
                else
                {
                    at = random.Next(4 + 4 * bytes[3]);
                }
                bytes[at] ^= (byte)(1 << random.Next(8));
                return (prefix + "flipped bit", bytes);
            }
            case Damage.ForeignHeader:
            {
                byte[][] foreign = [[0x89, 0x50, 0x4E, 0x47], [0x50, 0x4B, 0x03, 0x04], "%PDF"u8.ToArray(), [0x00, 0x00, 0x0D, 0x03], [0x00, 0x00, 0x08, 0x00], [0x00, 0x00, 0x08, 0x07]];
                var header = foreign[random.Next(foreign.Length)];
                return (prefix + "foreign header", Content(c => [.. header, .. c.AsSpan(4)]));
            }
            case Damage.Appended:
            {
                var extra = new byte[random.Next(1, 65)];
                random.NextBytes(extra);
                return (prefix + "appended bytes", [.. file, .. extra]);
            }
            case Damage.LabelOutOfRange:
                return (prefix + "label out of range", Content(c =>
                {
                    var bytes = (byte[])c.Clone();
                    bytes[8 + random.Next(Items)] = (byte)random.Next(10, 256);
                    return bytes;
                }));
            default:
                // A valid idx file with one item fewer than its partner.
                return (prefix + "count mismatch", Content(c =>
                {
                    var itemSize = (c.Length - (4 + 4 * c[3])) / Items;
                    var bytes = c[..^itemSize];
                    WriteBigEndian(bytes, 4, Items - 1);
                    return bytes;
                }));
        }
    }

    private static void WriteBigEndian(byte[] bytes, int offset, int value) => System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(offset), value);

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }
}
