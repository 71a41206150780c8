using System.Diagnostics;
using CnnMl.Architectures;
using static TorchSharp.torch;

namespace CnnMl.Demo.Commands.Bench;

/// <summary>
/// The references the estimator and the transformer are measured against: a plain TorchSharp training loop over the
/// same images in the same batch size (Adam, cross-entropy, one dispose scope per step, a tensor built from the
/// float array per batch as user code would), and plain batched inference — no ML.NET in sight.
/// </summary>
internal static class RawTorchLoop
{
    /// <summary>Trains a new network one pass over <paramref name="data"/> (in order) and returns the images per second of the steps.</summary>
    public static double TrainingImagesPerSecond(string architecture, BenchImages data, int batchSize, double learningRate, int seed)
    {
        var size = data.FeatureSize;
        random.manual_seed(seed);
        using var module = CnnArchitectures.Get(architecture).Create(data.Shape, KnownInputs.MnistClasses);
        using var optimizer = optim.Adam(module.parameters(), learningRate);
        module.train();
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < data.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, data.Count - start);
            using var scope = NewDisposeScope();
            var x = tensor(data.Features.AsMemory(start * size, count * size), data.Shape.WithBatch(count));
            var y = tensor(data.Labels.AsMemory(start, count), [count]);
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

    /// <summary>Predicted classes of every image of <paramref name="data"/> with <paramref name="module"/> in eval mode, in batches; images per second.</summary>
    public static double InferenceImagesPerSecond(nn.Module<Tensor, Tensor> module, BenchImages data, int batchSize)
    {
        var size = data.FeatureSize;
        var predictions = new long[data.Count];
        var training = module.training;
        module.eval();
        try
        {
            var clock = Stopwatch.StartNew();
            using (no_grad())
            {
                for (var start = 0; start < data.Count; start += batchSize)
                {
                    var count = Math.Min(batchSize, data.Count - start);
                    using var scope = NewDisposeScope();
                    var x = tensor(data.Features.AsMemory(start * size, count * size), data.Shape.WithBatch(count));
                    Array.Copy(module.call(x).argmax(1).data<long>().ToArray(), 0, predictions, start, count);
                }
            }
            return data.Count / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            module.train(training);
        }
    }
}
