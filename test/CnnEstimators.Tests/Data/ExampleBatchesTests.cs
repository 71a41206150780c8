using CnnMl.Data;
using CnnMl.Tests.Support;
using Microsoft.ML;
using static TorchSharp.torch;

namespace CnnMl.Tests.Data;

/// <summary>
/// The batch sources the training loop reads: in memory (one reused buffer, or windows that copy nothing) and streamed
/// from an <see cref="IDataView"/> (seeded shuffle buffer, background preparation with a bounded queue).
/// </summary>
[TestClass]
public sealed class ExampleBatchesTests
{
    private static readonly ImageShape Shape = new(1, 2, 3);

    [TestMethod]
    public void ShuffledInMemoryBatchesFollowTheLoopsFormerOrderAndReuseOneBuffer()
    {
        var examples = Examples(10);
        using var batches = InMemoryBatches.Shuffled(examples, batchSize: 4, seed: 9, Shape, pinned: false);
        var expected = Enumerable.Range(0, 10).ToArray();
        var random = new Random(9);
        var buffers = new HashSet<IntPtr>();
        for (var pass = 0; pass < 2; pass++)
        {
            batches.BeginPass();
            random.Shuffle(expected); // what TrainingLoop did before batches had their own source
            var seen = Read(batches, buffers);
            CollectionAssert.AreEqual(new[] { 4, 4, 2 }, seen.Select(b => b.Length).ToArray(), "two full batches and the rest");
            CollectionAssert.AreEqual(expected, seen.SelectMany(b => b).ToArray(), $"pass {pass}");
        }
        Assert.HasCount(1, buffers, "every batch is written into the same native memory");
    }

    [TestMethod]
    public void InOrderInMemoryBatchesAreWindowsOntoTheExamplesArrays()
    {
        var examples = Examples(5);
        using var batches = InMemoryBatches.InOrder(examples, batchSize: 2, Shape);
        batches.BeginPass();
        examples.Features[4 * 6] = 1234; // after the tensors were made: a copy would not see it
        using var scope = NewDisposeScope();
        var last = batches.Batches(CancellationToken.None).Last();
        Assert.AreEqual(1, last.Count);
        Assert.AreEqual(1234f, last.Images()[0, 0, 0, 0].item<float>(), "the window reads the array itself");
        Assert.AreEqual(4L, last.Labels()[0].item<long>());
        CollectionAssert.AreEqual(new long[] { 1, 1, 2, 3 }, last.Images().shape);
    }

    [TestMethod]
    public void StreamedPassesReadEveryLabeledRowOnceInASeededOrder()
    {
        // 1,000 rows, every 7th without a label; image value = row index.
        var data = Generated(1_000, missingEvery: 7);
        var labeled = LabeledRowCount.Of(data, "Label");
        Assert.AreEqual(new LabeledRowCount(857, 143), labeled);
        var expectedRows = Enumerable.Range(0, 1_000).Where(i => i % 7 != 0).ToArray();

        int[][] Passes(int prefetch, int seed)
        {
            using var batches = new StreamingBatches(data, "Image", "Label", Shape, labeled.Labeled, batchSize: 32, shuffleRows: 100, seed, prefetch, pinned: false);
            return Enumerable.Range(0, 3).Select(_ =>
            {
                batches.BeginPass();
                return Read(batches).SelectMany(b => b).ToArray();
            }).ToArray();
        }

        var background = Passes(prefetch: 2, seed: 4);
        foreach (var pass in background) CollectionAssert.AreEquivalent(expectedRows, pass, "each labeled row exactly once per pass");
        CollectionAssert.AreNotEqual(background[0], background[1], "a new order every pass");
        CollectionAssert.AreNotEqual(expectedRows, background[0], "shuffled");
        var onThread = Passes(prefetch: 0, seed: 4);
        for (var p = 0; p < 3; p++) CollectionAssert.AreEqual(background[p], onThread[p], "the order depends on the seed and pass only, not on the thread that prepares");
        CollectionAssert.AreNotEqual(background[0], Passes(prefetch: 2, seed: 5)[0]);
        // A shuffle buffer of 100 rows moves no row further forward than 100 places.
        Assert.IsTrue(background[0].Select((row, position) => Array.IndexOf(expectedRows, row) - position).All(d => d <= 100), "bounded displacement");
    }

    [TestMethod]
    public void StreamedBatchesInOrderKeepTheCursorsOrder()
    {
        var data = Generated(50, missingEvery: 0);
        using var batches = new StreamingBatches(data, "Image", "Label", Shape, 50, batchSize: 8, shuffleRows: 0, seed: 0, prefetch: 3, pinned: false);
        batches.BeginPass();
        var seen = Read(batches);
        CollectionAssert.AreEqual(Enumerable.Range(0, 50).ToArray(), seen.SelectMany(b => b).ToArray());
        Assert.AreEqual(2, seen[^1].Length, "50 = 6 × 8 + 2");
    }

    [TestMethod]
    public void LeavingAStreamedPassEarlyStopsItsProducerAndTheNextPassStartsAfresh()
    {
        var data = Generated(10_000, missingEvery: 0);
        using var batches = new StreamingBatches(data, "Image", "Label", Shape, 10_000, batchSize: 10, shuffleRows: 0, seed: 0, prefetch: 2, pinned: false);
        batches.BeginPass();
        var firstTwo = batches.Batches(CancellationToken.None).Take(2).Select(b => b.Count).ToArray();
        CollectionAssert.AreEqual(new[] { 10, 10 }, firstTwo);
        var readWhenLeft = data.ImagesRead;
        Thread.Sleep(200);
        Assert.AreEqual(readWhenLeft, data.ImagesRead, "no row is read after the consumer left");
        Assert.IsLessThanOrEqualTo(50L, readWhenLeft, "at most the 2 batches taken, the 2 queued and the 1 the producer holds were read");
        batches.BeginPass();
        Assert.AreEqual(0, (int)Read(batches)[0][0], "the next pass starts at the first row");
    }

    [TestMethod]
    public void AFailingCursorFailsTheStepThatWaitsForIt()
    {
        var data = new GeneratedImages(100, 6, 3, (i, image) => { image.Fill(i); return 1; }, failAt: 55);
        using var batches = new StreamingBatches(data, "Image", "Label", Shape, 100, batchSize: 10, shuffleRows: 20, seed: 1, prefetch: 2, pinned: false);
        batches.BeginPass();
        var error = Assert.ThrowsExactly<IOException>(() => Read(batches));
        Assert.AreEqual("Generated failure at row 55.", error.Message);
    }

    [TestMethod]
    public void CancelingAStreamedPassStopsIt()
    {
        using var cancel = new CancellationTokenSource();
        var data = Generated(1_000, missingEvery: 0);
        using var batches = new StreamingBatches(data, "Image", "Label", Shape, 1_000, batchSize: 10, shuffleRows: 0, seed: 0, prefetch: 2, pinned: false);
        batches.BeginPass();
        var taken = 0;
        Assert.ThrowsExactly<OperationCanceledException>(() =>
        {
            foreach (var _ in batches.Batches(cancel.Token))
            {
                if (++taken == 3) cancel.Cancel();
            }
        });
        Assert.AreEqual(3, taken);
    }

    private static InMemoryExamples Examples(int count)
    {
        // Row i: six values equal to i, label i.
        var data = new GeneratedImages(count, 6, count, (i, image) => { image.Fill(i); return (uint)i + 1; });
        return InMemoryExamples.Load(data, "Image", "Label", 6);
    }

    private static GeneratedImages Generated(int rows, int missingEvery) =>
        new(rows, 6, 10, (i, image) =>
        {
            image.Fill(i);
            return missingEvery > 0 && i % missingEvery == 0 ? 0u : (uint)(i % 10) + 1;
        });

    /// <summary>Each batch's row identities (the first image value) in order; checks every image row is uniform and labels match.</summary>
    private static List<int[]> Read(IExampleBatches batches, HashSet<IntPtr>? buffers = null)
    {
        var result = new List<int[]>();
        foreach (var batch in batches.Batches(CancellationToken.None))
        {
            using var scope = NewDisposeScope();
            var images = batch.Images().reshape(batch.Count, 6);
            var rows = images[.., 0].to(int32).data<int>().ToArray();
            Assert.IsTrue(images.eq(images[.., 0..1]).all().item<bool>(), "every value of a row is the row's");
            buffers?.Add(images.storage<float>().data_ptr());
            result.Add(rows);
        }
        return result;
    }
}
