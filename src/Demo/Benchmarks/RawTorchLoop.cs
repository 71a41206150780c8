using System.Diagnostics;
using CnnMl.Architectures;
using CnnMl.Data;
using static TorchSharp.torch;

namespace CnnMl.Demo.Benchmarks;

/// <summary>
/// The reference the estimator is measured against: a plain TorchSharp training loop over the same
/// images in the same batches (Adam, cross-entropy, one dispose scope per step), with no ML.NET in sight.
/// </summary>
internal static class RawTorchLoop
{
    /// <summary>Trains one pass over <paramref name="data"/> and returns the images per second of the steps.</summary>
    public static double ImagesPerSecond(string architecture, MnistDataset data, int batchSize, double learningRate, int seed)
    {
        var shape = new ImageShape(1, data.Rows, data.Columns);
        var size = (int)shape.ElementCount;
        var features = data.Pixels.Select(p => p / 255f).ToArray();
        var labels = data.Labels.Select(l => (long)l).ToArray();
        random.manual_seed(seed);
        using var module = CnnArchitectures.Get(architecture).Create(shape, MnistDataset.ClassCount);
        using var optimizer = optim.Adam(module.parameters(), learningRate);
        module.train();
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < data.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, data.Count - start);
            using var scope = NewDisposeScope();
            var x = tensor(features.AsMemory(start * size, count * size), shape.WithBatch(count));
            var y = tensor(labels.AsMemory(start, count), [count]);
            var logits = module.call(x);
            var loss = nn.functional.cross_entropy(logits, y);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            _ = loss.item<float>();
            _ = logits.argmax(1).eq(y).sum().item<long>();
        }
        return data.Count / clock.Elapsed.TotalSeconds;
    }
}
