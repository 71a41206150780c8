using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace CnnMl.Demo.Commands.Bench.Serving;

/// <summary>What the abuse phase saw: answers by status class, transport failures, and whether the server still scores.</summary>
internal sealed record AbuseResult(int Sent, IReadOnlyDictionary<string, int> ByKind, int ClientErrors, int ServerErrors, int Successes, int TransportFailures,
    bool AliveAfterwards, long ResidentBefore, long ResidentAfter, TimeSpan Elapsed)
{
    /// <summary>Every request answered 4xx.</summary>
    public bool AllRefused => ClientErrors == Sent;
}

/// <summary>
/// Malformed requests, the kinds in turn: random bytes as image/png, PNGs cut at a random point, the decompression
/// bomb, a 50 MB body (declared in Content-Length; the client waits for 100-continue, so the refusal comes before the
/// body is sent), wrong media types, empty bodies, broken JSON, and a pixel vector of the wrong length. Sent by
/// <c>clients</c> concurrent clients until <c>count</c> are answered or <c>timeLimit</c> has passed.
/// </summary>
internal static class ServingAbuse
{
    private static readonly string[] Kinds =
        ["random bytes", "truncated PNG", "decompression bomb", "50 MB body", "wrong media type", "empty body", "broken JSON", "wrong pixel count"];

    public static async Task<AbuseResult> RunAsync(HttpClient client, byte[] validPng, int count, int clients, TimeSpan timeLimit, CancellationToken cancellation)
    {
        var bomb = CraftedImages.DecompressionBomb();
        var huge = new byte[50 * 1024 * 1024];
        var byKind = Kinds.ToDictionary(k => k, _ => 0);
        int next = -1, clientErrors = 0, serverErrors = 0, successes = 0, transport = 0;
        var residentBefore = Resident();
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(async w =>
        {
            var random = new Random(w + 1);
            int i;
            while ((i = Interlocked.Increment(ref next)) < count && clock.Elapsed < timeLimit)
            {
                cancellation.ThrowIfCancellationRequested();
                var kind = Kinds[i % Kinds.Length];
                using var request = Request(kind, random, validPng, bomb, huge);
                try
                {
                    using var response = await client.SendAsync(request, cancellation);
                    await response.Content.ReadAsByteArrayAsync(cancellation);
                    var status = (int)response.StatusCode;
                    if (status is >= 400 and < 500) Interlocked.Increment(ref clientErrors);
                    else if (status >= 500) Interlocked.Increment(ref serverErrors);
                    else Interlocked.Increment(ref successes);
                    lock (byKind) byKind[kind]++;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref transport);
                }
            }
        }).ToArray();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed;
        var alive = await AliveAsync(client, validPng, cancellation);
        GC.Collect();
        return new AbuseResult(clientErrors + serverErrors + successes + transport, byKind, clientErrors, serverErrors, successes, transport, alive,
            residentBefore, Resident(), elapsed);
    }

    /// <summary>/health answers ok and a valid PNG is scored.</summary>
    public static async Task<bool> AliveAsync(HttpClient client, byte[] validPng, CancellationToken cancellation)
    {
        try
        {
            using var health = await client.GetAsync("health", cancellation);
            using var content = new ByteArrayContent(validPng);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            using var scored = await client.PostAsync("predict", content, cancellation);
            return health.StatusCode == HttpStatusCode.OK && scored.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static HttpRequestMessage Request(string kind, Random random, byte[] validPng, byte[] bomb, byte[] huge)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "predict");
        (byte[] body, string? type) = kind switch
        {
            "random bytes" => (Bytes(random, random.Next(1, 4096)), "image/png"),
            "truncated PNG" => (CraftedImages.Truncated(validPng, random.NextDouble()), "image/png"),
            "decompression bomb" => (bomb, "image/png"),
            "50 MB body" => (huge, "image/png"),
            "wrong media type" => (validPng, random.Next(3) switch { 0 => "text/plain", 1 => "application/xml", _ => "image/gif" }),
            "empty body" => ([], random.Next(2) == 0 ? "image/png" : "application/json"),
            "broken JSON" => ("{\"pixels\": [0.1, 0.2"u8.ToArray(), "application/json"),
            _ => ("{\"pixels\": [0.5, 0.5, 0.5]}"u8.ToArray(), "application/json"),
        };
        request.Content = new ByteArrayContent(body);
        if (type is not null) request.Content.Headers.ContentType = new MediaTypeHeaderValue(type);
        if (kind == "50 MB body") request.Headers.ExpectContinue = true;
        return request;
    }

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>This process's resident memory, in bytes.</summary>
    public static long Resident()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
