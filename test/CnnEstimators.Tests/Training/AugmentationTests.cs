using CnnMl.Abstractions;
using CnnMl.Inspection;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using static TorchSharp.torch;

namespace CnnMl.Tests.Training;

/// <summary>The batch augmentation hook and the built-in image augmentation: what each transform does, and its seeding.</summary>
[TestClass]
public sealed class AugmentationTests
{
    /// <summary>A batch of n 1×h×w images with distinct positive pixels (1, 2, 3, …), so every shift is recognizable.</summary>
    private static Tensor Batch(int n, int h = 10, int w = 10) => arange(1, n * h * w + 1, dtype: float32).reshape(n, 1, h, w);

    /// <summary>The image shifted down by dy and right by dx, zero where nothing moved in.</summary>
    private static Tensor Shifted(Tensor image, int dy, int dx)
    {
        const int margin = 2;
        var (h, w) = (image.shape[^2], image.shape[^1]);
        return nn.functional.pad(image, [margin, margin, margin, margin]).narrow(-2, margin - dy, h).narrow(-1, margin - dx, w);
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static readonly ImageAugmentation Everything = new() { CropPadding = 2, HorizontalFlip = true, RotationDegrees = 10, Translation = 0.1, Scale = 0.1 };

    [TestMethod]
    public void SameSeedGivesTheSameBatchAndAnotherSeedAnotherBatch()
    {
        using var scope = NewDisposeScope();
        var x = Batch(8);
        using var first = new Generator(1);
        using var again = new Generator(1);
        using var other = new Generator(2);
        var a = Everything.Augment(x, first);
        var b = Everything.Augment(x, again);
        var c = Everything.Augment(x, other);
        CollectionAssert.AreEqual(x.shape, a.shape);
        Assert.IsTrue(Same(a, b), "same seed, same batch");
        Assert.IsFalse(Same(a, c), "another seed, another batch");
        Assert.IsFalse(Same(a, x), "the batch was changed");
    }

    [TestMethod]
    public void CropWithPaddingShiftsEachImageByAtMostThePaddingAndFillsWithZeros()
    {
        using var scope = NewDisposeScope();
        var x = Batch(16);
        using var generator = new Generator(3);
        var y = new ImageAugmentation { CropPadding = 2 }.Augment(x, generator);
        var shifts = new HashSet<(int, int)>();
        for (var i = 0; i < 16; i++)
        {
            var match = (from dy in Enumerable.Range(-2, 5)
                         from dx in Enumerable.Range(-2, 5)
                         where Same(Shifted(x[i], dy, dx), y[i])
                         select (dy, dx)).ToArray();
            Assert.HasCount(1, match, $"image {i} is one shift of its input within ±2 pixels");
            shifts.Add(match[0]);
        }
        Assert.IsGreaterThan(4, shifts.Count, $"16 images drew {shifts.Count} different shifts");
    }

    [TestMethod]
    public void FlipMirrorsAboutHalfTheImages()
    {
        using var scope = NewDisposeScope();
        var x = Batch(32);
        using var generator = new Generator(4);
        var y = new ImageAugmentation { HorizontalFlip = true }.Augment(x, generator);
        var flipped = 0;
        for (var i = 0; i < 32; i++)
        {
            var mirrored = Same(y[i], x[i].flip(-1));
            Assert.IsTrue(mirrored || Same(y[i], x[i]), $"image {i} is either mirrored or unchanged");
            if (mirrored) flipped++;
        }
        Assert.IsTrue(flipped is > 4 and < 28, $"{flipped} of 32 mirrored");
    }

    [TestMethod]
    public void AffineKeepsTheImageNearlyInPlaceForSmallRangesAndNothingIsTheIdentity()
    {
        using var scope = NewDisposeScope();
        var x = Batch(4, 16, 16) / (16 * 16 * 4);
        using var generator = new Generator(5);
        var y = new ImageAugmentation { RotationDegrees = 5, Scale = 0.05 }.Augment(x, generator);
        Assert.IsFalse(Same(y, x));
        // A ±5° rotation and ±5% scaling about the center move no pixel by more than about one position.
        var error = (y - x).abs().narrow(2, 3, 10).narrow(3, 3, 10).max().item<float>();
        Assert.IsLessThan(0.2f, error, $"largest change in the center {error}");
        using var unused = new Generator(5);
        Assert.IsTrue(Same(new ImageAugmentation().Augment(x, unused), x), "all transforms off");
    }

    [TestMethod]
    public void VolumesGetOneTransformForAllTheirFrames()
    {
        using var scope = NewDisposeScope();
        var frame = Batch(3);
        var volume = stack([frame, frame, frame, frame], 2); // (3, 1, 4, 10, 10): four equal frames
        using var generator = new Generator(6);
        var y = new ImageAugmentation { CropPadding = 2, HorizontalFlip = true }.Augment(volume, generator);
        CollectionAssert.AreEqual(volume.shape, y.shape);
        for (var d = 1; d < 4; d++) Assert.IsTrue(Same(y.select(2, d), y.select(2, 0)), $"frame {d} moved like frame 0");
        Assert.IsFalse(Same(y, volume));
    }

    [TestMethod]
    public void OtherShapesAreRejected()
    {
        using var generator = new Generator(1);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Everything.Augment(zeros(2, 784), generator));
        StringAssert.Contains(ex.Message, "got shape [2, 784]");
    }

    [TestMethod]
    public void EveryEpochHasItsOwnStream()
    {
        var seeds = Enumerable.Range(0, 5).Select(e => TrainingControls.AugmentationSeed(1, e)).Concat([TrainingControls.AugmentationSeed(2, 0)]).ToArray();
        Assert.HasCount(6, seeds.Distinct());
        Assert.AreEqual(TrainingControls.AugmentationSeed(1, 3), TrainingControls.AugmentationSeed(1, 3));
    }

    [TestMethod]
    public void FitAugmentsRepeatablyUnderTheMlContextSeed()
    {
        string Train(IBatchAugmentation? augmentation, int seed)
        {
            var ml = new MLContext(seed: seed);
            using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                Epochs = 1, BatchSize = 16, NumberOfThreads = 1, ReportEveryBatches = 0, Augmentation = augmentation,
            }).Fit(SyntheticImages.Create(64));
            return WeightsDigest.Sha256(model.Module);
        }

        var augmented = Train(Everything, 5);
        Assert.AreEqual(augmented, Train(Everything, 5), "same MLContext seed, same augmentation, same weights");
        Assert.AreNotEqual(augmented, Train(null, 5), "the augmentation changes training");
    }
}
