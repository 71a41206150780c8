using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace CnnMl.Demo.Commands.Bench.Serving;

/// <summary>What one load level measured: requests answered, wall time, latencies, errors, labels that differ from the ceiling's.</summary>
internal sealed record LoadLevel(int Clients, int Requests, TimeSpan Elapsed, IReadOnlyList<double> LatenciesMs, int Errors, int WrongLabels)
{
    /// <summary>Answered requests per second.</summary>
    public double Throughput => Requests / Elapsed.TotalSeconds;

    public double P50 => Measurement.Percentile(LatenciesMs, 50);

    public double P99 => Measurement.Percentile(LatenciesMs, 99);
}

/// <summary>
/// Closed-loop clients on loopback: <c>clients</c> tasks, each sending the next image (PNG bytes, <c>image/png</c>)
/// as soon as its previous answer arrived, until <c>requests</c> are answered or <c>timeLimit</c> has passed.
/// </summary>
internal static class ServingLoad
{
    public static async Task<LoadLevel> RunAsync(HttpClient client, IReadOnlyList<byte[]> images, IReadOnlyList<string> expectedLabels,
        int clients, int requests, TimeSpan timeLimit, CancellationToken cancellation)
    {
        var next = -1;
        var errors = 0;
        var wrong = 0;
        var latencies = new List<double>[clients];
        var deadline = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(async w =>
        {
            latencies[w] = [];
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests && deadline.Elapsed < timeLimit)
            {
                cancellation.ThrowIfCancellationRequested();
                var image = i % images.Count;
                using var content = new ByteArrayContent(images[image]);
                content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.PostAsync("predict", content, cancellation);
                    var body = await response.Content.ReadAsByteArrayAsync(cancellation);
                    latencies[w].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref errors); continue; }
                    var label = JsonDocument.Parse(body).RootElement.GetProperty("label").GetString();
                    if (label != expectedLabels[image]) Interlocked.Increment(ref wrong);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }).ToArray();
        await Task.WhenAll(workers);
        var all = latencies.SelectMany(l => l).ToList();
        return new LoadLevel(clients, all.Count, deadline.Elapsed, all, errors, wrong);
    }
}
