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

    private static InMemoryExamples Examples(int count)
    {
        // Row i: six values equal to i, label i.
        var data = new GeneratedImages(count, 6, count, (i, image) => { image.Fill(i); return (uint)i + 1; });
        return InMemoryExamples.Load(data, "Image", "Label", 6);
    }

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
