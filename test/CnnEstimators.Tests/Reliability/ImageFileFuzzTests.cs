using System.Diagnostics;
using CnnMl.Data;
using CnnMl.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Reliability;

/// <summary>
/// Damaged PNG and JPEG files on their way into ML.NET's <c>LoadImages</c>. ML.NET decodes a truncated file
/// partly and without a word, and reports a corrupt one as <c>ArgumentException</c> without its name; so the
/// documented type is CnnMl's <see cref="ImageFileException"/>, raised by <c>mlContext.Data.CheckImageFiles</c>
/// before the pipeline reads the files. 500 damaged files (fixed seed; PNG: cut anywhere, a bit flipped anywhere,
/// a foreign signature, bytes after IEND; JPEG: cut anywhere, a foreign signature) must each end in it, naming the
/// file. A flipped bit inside JPEG data cannot be seen (JPEG has no checksum): 100 such files must each be
/// refused or decode completely, never partly.
/// </summary>
[TestClass]
public sealed class ImageFileFuzzTests
{
    private const int Cases = 500;

    private sealed class ImageFile
    {
        public string Path { get; set; } = "";
    }

    private static List<(string Format, byte[] Bytes)> Originals(TemporaryFolder folder)
    {
        var random = new Random(7);
        var originals = new List<(string, byte[])>();
        for (var i = 0; i < 4; i++)
        {
            using var image = MLImage.CreateFromPixels(CircleBarImages.Size, CircleBarImages.Size, MLPixelFormat.Bgra32, CircleBarImages.Pixels(i % 2 == 0, random));
            foreach (var format in new[] { "png", "jpg" })
            {
                var path = folder.File($"original-{i}.{format}");
                image.Save(path);
                originals.Add((format, File.ReadAllBytes(path)));
            }
        }
        return originals;
    }

    private static Exception? Check(MLContext ml, string path)
    {
        try
        {
            ml.Data.CheckImageFiles(ml.Data.LoadFromEnumerable([new ImageFile { Path = path }]), nameof(ImageFile.Path));
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    [TestMethod]
    public void FiveHundredDamagedImageFilesEachEndInImageFileExceptionNamingTheFile()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(20261128);
        using var folder = new TemporaryFolder("cnnml-image-fuzz");
        var originals = Originals(folder);
        var failures = new List<string>();
        var kinds = new Dictionary<string, int>();
        var slowest = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();

        // The undamaged files pass the check and load through ML.NET's own image transforms.
        var whole = Directory.GetFiles(folder.Path).Order().Select(p => new ImageFile { Path = p }).ToArray();
        var checkedFiles = ml.Data.CheckImageFiles(ml.Data.LoadFromEnumerable(whole), nameof(ImageFile.Path));
        var pixels = ml.Transforms.LoadImages("Image", "", nameof(ImageFile.Path))
                .Append(ml.Transforms.ResizeImages("Image", CircleBarImages.Size, CircleBarImages.Size))
                .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Fit(checkedFiles).Transform(checkedFiles).GetColumn<VBuffer<float>>("Pixels").ToArray();
        Assert.HasCount(8, pixels);
        Assert.IsTrue(pixels.All(p => p.Length == 3 * CircleBarImages.Size * CircleBarImages.Size));

        for (var i = 0; i < Cases; i++)
        {
            var (format, original) = originals[i % originals.Count];
            var (kind, bytes) = Damaged(random, original, format);
            var path = folder.File($"case-{i:D3}.{format}");
            File.WriteAllBytes(path, bytes);
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;

            var started = clock.Elapsed;
            var error = Check(ml, path);
            var took = clock.Elapsed - started;
            if (took > slowest) slowest = took;
            var what = $"case {i} ({kind})";
            if (error is null) failures.Add($"{what}: passed the check");
            else if (error is not ImageFileException imageError) failures.Add($"{what}: {error.GetType().Name}: {error.Message}");
            else if (imageError.FilePath != path || !imageError.Message.Contains(path, StringComparison.Ordinal)) failures.Add($"{what}: does not name the file: {error.Message}");
            File.Delete(path);
        }

        Console.WriteLine($"{Cases} cases in {clock.Elapsed.TotalSeconds:F1} s (slowest {slowest.TotalMilliseconds:F0} ms): " +
                          string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        Assert.IsEmpty(failures, $"{failures.Count} of {Cases} cases failed:\n{string.Join("\n", failures.Take(20))}");
        Assert.IsLessThan(TimeSpan.FromSeconds(1), slowest);
    }

    [TestMethod]
    public void AFlippedBitInJpegDataIsRefusedOrDecodesCompletely()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(20261129);
        using var folder = new TemporaryFolder("cnnml-jpeg-flips");
        var jpegs = Originals(folder).Where(o => o.Format == "jpg").ToArray();
        var (refused, complete) = (0, 0);
        var failures = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            var bytes = (byte[])jpegs[i % jpegs.Length].Bytes.Clone();
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            var path = folder.File($"flip-{i:D3}.jpg");
            File.WriteAllBytes(path, bytes);
            var error = Check(ml, path);
            if (error is null) complete++; // ImageFiles.Check decoded every row
            else if (error is ImageFileException e && e.FilePath == path) refused++;
            else failures.Add($"flip {i}: {error.GetType().Name}: {error.Message}");
        }
        Console.WriteLine($"100 JPEG bit flips: {refused} refused, {complete} decoded completely");
        Assert.IsEmpty(failures, string.Join("\n", failures));
        Assert.IsGreaterThan(0, refused, "flips in markers and tables are seen");
    }

    [TestMethod]
    public void WithoutTheCheckLoadImagesTurnsATruncatedPngIntoAPartlyBlankImage()
    {
        // Why the check exists: ML.NET reads the first rows of a cut-off PNG and leaves the rest black.
        var ml = new MLContext(seed: 1);
        using var folder = new TemporaryFolder("cnnml-truncated");
        var png = Originals(folder).First(o => o.Format == "png").Bytes;
        var path = folder.File("cut.png");
        File.WriteAllBytes(path, png[..(png.Length * 2 / 3)]);
        var files = ml.Data.LoadFromEnumerable([new ImageFile { Path = path }]);
        var pixels = ml.Transforms.LoadImages("Image", "", nameof(ImageFile.Path))
            .Append(ml.Transforms.ResizeImages("Image", CircleBarImages.Size, CircleBarImages.Size))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", colorsToExtract: Microsoft.ML.Transforms.Image.ImagePixelExtractingEstimator.ColorBits.Red))
            .Fit(files).Transform(files).GetColumn<VBuffer<float>>("Pixels").Single().DenseValues().ToArray();
        var lastRow = pixels[^CircleBarImages.Size..];
        Assert.IsTrue(lastRow.All(v => v == 0), "ML.NET left the missing rows blank without an error");

        var ex = Assert.ThrowsExactly<ImageFileException>(() => ml.Data.CheckImageFiles(files, nameof(ImageFile.Path)));
        StringAssert.StartsWith(ex.Message, $"Image file '{path}': ");
    }

    private static (string Kind, byte[] Bytes) Damaged(Random random, byte[] file, string format)
    {
        var kinds = format == "png" ? new[] { "cut", "flipped bit", "foreign signature", "bytes after IEND" } : ["cut", "foreign signature"];
        var kind = kinds[random.Next(kinds.Length)];
        var bytes = (byte[])file.Clone();
        switch (kind)
        {
            case "cut":
                return ($"{format} cut", bytes[..random.Next(0, bytes.Length)]);
            case "flipped bit":
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return ($"{format} flipped bit", bytes);
            case "foreign signature":
            {
                // One of the bytes every decoder recognizes the format by, changed to another value.
                var at = random.Next(format == "png" ? 8 : 3);
                bytes[at] = (byte)(bytes[at] + random.Next(1, 256));
                return ($"{format} foreign signature", bytes);
            }
            default:
            {
                var extra = new byte[random.Next(1, 33)];
                random.NextBytes(extra);
                return ($"{format} bytes after IEND", [.. bytes, .. extra]);
            }
        }
    }
}
