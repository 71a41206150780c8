using System.Diagnostics;
using CnnMl.Demo.Models;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace CnnMl.Demo.Commands.Bench.Serving;

/// <summary>
/// The ceiling of serving: the zip's own ONNX graph in a raw in-process ONNX Runtime session, one image per
/// <c>Run</c> (as a request carries one), on already-decoded pixel vectors — no HTTP, no decoding, no ML.NET.
/// </summary>
internal static class OnnxCeiling
{
    /// <summary>
    /// Images per second over <paramref name="vectors"/>, scored <paramref name="runs"/> times (at most
    /// <paramref name="timeLimit"/>) by one thread per core on the one session, and each image's label.
    /// </summary>
    public static (double ImagesPerSecond, string[] Labels) Measure(SavedModel model, IReadOnlyList<float[]> vectors, int runs, TimeSpan timeLimit)
    {
        var (_, graph) = EmbeddedOnnxGraph.Read(model.Path, model.Transformer);
        var network = EmbeddedOnnxGraph.NetworkOnly(graph);
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(network.ToByteArray(), options);
        var input = session.InputMetadata.Keys.Single();
        var output = network.Graph.Output[0].Name;
        var classes = model.ClassNames() ?? [];
        using var run = new RunOptions();
        void Score(int i, float[] probabilities)
        {
            using var inputValue = OrtValue.CreateTensorValueFromMemory(vectors[i], [1, vectors[i].Length]);
            using var outputValue = OrtValue.CreateTensorValueFromMemory(probabilities, [1, probabilities.Length]);
            session.Run(run, [input], [inputValue], [output], [outputValue]);
        }
        var labels = new string[vectors.Count];
        var first = new float[classes.Length];
        for (var i = 0; i < vectors.Count; i++)
        {
            Score(i, first);
            var best = 0;
            for (var c = 1; c < first.Length; c++) if (first[c] > first[best]) best = c;
            labels[i] = classes[best];
        }
        var clock = Stopwatch.StartNew();
        var scored = 0L;
        Parallel.For(0, Environment.ProcessorCount, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, _ =>
        {
            var probabilities = new float[classes.Length];
            for (var r = 0; r < runs && clock.Elapsed < timeLimit; r++)
            {
                for (var i = 0; i < vectors.Count; i++) Score(i, probabilities);
                Interlocked.Add(ref scored, vectors.Count);
            }
        });
        return (scored / clock.Elapsed.TotalSeconds, labels);
    }
}
