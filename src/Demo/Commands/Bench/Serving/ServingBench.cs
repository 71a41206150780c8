using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Models;
using CnnMl.Demo.Serving;
using CnnMl.Persistence;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Demo.Commands.Bench.Serving;

/// <summary>How much of <c>cnnml bench --sections serving</c> to run; every loop is bounded by a count and a time.</summary>
internal sealed record ServingBenchPlan(int RequestsPerLevel, IReadOnlyList<int> Clients, int AbuseRequests, TimeSpan TimeLimitPerPhase, int Images = 200);

/// <summary>Everything the serving bench measured.</summary>
internal sealed record ServingBenchResult(IReadOnlyList<LoadLevel> Levels, double CeilingImagesPerSecond, AbuseResult Abuse, long ResidentBefore, long ResidentAfterLoad);

/// <summary>
/// <c>cnnml serve</c> measured on loopback, in this process: a model zip served on 127.0.0.1 with a free port, the
/// load levels (closed-loop clients sending MNIST test digits as 28×28 PNGs), the raw ONNX Runtime ceiling on the same
/// digits, and the abuse phase. Nothing leaves the machine.
/// </summary>
internal static class ServingBench
{
    public static async Task<ServingBenchResult> RunAsync(string modelPath, MnistDataset test, ServingBenchPlan plan, Action<string> progress, CancellationToken cancellation)
    {
        var count = Math.Min(plan.Images, test.Count);
        var vectors = Enumerable.Range(0, count).Select(i => test.Pixels.AsSpan(i * 784, 784).ToArray().Select(b => b / 255f).ToArray()).ToArray();
        var pngs = Enumerable.Range(0, count).Select(i => Png(test.Pixels.AsSpan(i * 784, 784))).ToArray();

        // The ceiling is measured before the server starts and again after it has stopped; the better of the two counts
        // (on a shared machine, the load of other processes varies from one to the other).
        var runs = Math.Max(1, plan.RequestsPerLevel / count);
        (double, string[]) Ceiling()
        {
            using var model = SavedModel.Load(new MLContext(), modelPath);
            var measured = OnnxCeiling.Measure(model, vectors, runs, plan.TimeLimitPerPhase);
            progress($"raw ONNX Runtime session, one image per Run, {Environment.ProcessorCount} threads: {measured.ImagesPerSecond:N0} images/s");
            return measured;
        }
        var (ceiling, labels) = Ceiling();

        GC.Collect();
        var residentBefore = ServingAbuse.Resident();
        await using var app = ModelServer.Build(new ServerOptions { ModelPath = modelPath, Urls = ["http://127.0.0.1:0"] },
            logging => { });
        await app.StartAsync(cancellation);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, Expect100ContinueTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = new Uri(app.Urls.Single().TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        // Warm-up: every engine path once.
        await ServingLoad.RunAsync(client, pngs, labels, clients: 2, requests: Math.Min(20, plan.RequestsPerLevel), plan.TimeLimitPerPhase, cancellation);

        var levels = new List<LoadLevel>();
        foreach (var clients in plan.Clients)
        {
            var level = await ServingLoad.RunAsync(client, pngs, labels, clients, plan.RequestsPerLevel, plan.TimeLimitPerPhase, cancellation);
            levels.Add(level);
            progress($"{clients} client(s): {level.Requests:N0} requests, {level.Throughput:N0} requests/s, p50 {level.P50:0.00} ms, p99 {level.P99:0.00} ms, {level.Errors} errors, {level.WrongLabels} labels unlike the ceiling's");
        }
        GC.Collect();
        var residentAfterLoad = ServingAbuse.Resident();

        var abuse = await ServingAbuse.RunAsync(client, pngs[0], plan.AbuseRequests, clients: 8, plan.TimeLimitPerPhase, cancellation);
        progress($"abuse: {abuse.Sent:N0} malformed requests, {abuse.ClientErrors:N0} answered 4xx, {abuse.ServerErrors} 5xx, {abuse.Successes} 2xx, {abuse.TransportFailures} transport failures; alive afterwards: {abuse.AliveAfterwards}");
        await app.StopAsync(CancellationToken.None);
        ceiling = Math.Max(ceiling, Ceiling().Item1);
        return new ServingBenchResult(levels, ceiling, abuse, residentBefore, residentAfterLoad);
    }

    /// <summary>Trains the model the bench serves: mnist-cnn, 1 epoch on <paramref name="images"/> MNIST training images, saved as <c>cnnml train --out</c> saves.</summary>
    public static string TrainModel(string dataDirectory, int images, string folder)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(dataDirectory, MnistSplit.Train, images);
        var pipeline = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                Architecture = CnnArchitectures.MnistCnn, Epochs = 1, BatchSize = 64, Seed = 1, ReportEveryBatches = 0, FeatureColumnName = "Image",
            })
            .Append(ml.Transforms.Conversion.MapKeyToValue(SavedModel.PredictedLabelColumn));
        using var model = pipeline.Fit(train);
        return ml.Model.SaveAtomically(model, train.Schema, Path.Combine(folder, "serving-bench.zip"));
    }

    private static byte[] Png(ReadOnlySpan<byte> gray)
    {
        var bgra = new byte[gray.Length * 4];
        for (var i = 0; i < gray.Length; i++)
        {
            bgra[4 * i] = bgra[4 * i + 1] = bgra[4 * i + 2] = gray[i];
            bgra[4 * i + 3] = 255;
        }
        using var image = MLImage.CreateFromPixels(28, 28, MLPixelFormat.Bgra32, bgra);
        var path = Path.Combine(Path.GetTempPath(), $"cnnml-bench-{Guid.NewGuid():N}.png");
        try
        {
            image.Save(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
