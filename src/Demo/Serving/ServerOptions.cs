namespace CnnMl.Demo.Serving;

/// <summary>What <c>cnnml serve</c> serves and the limits it keeps (every limit has a default a person can raise).</summary>
internal sealed record ServerOptions
{
    /// <summary>The loopback address <c>cnnml serve</c> listens on without <c>--urls</c>.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5000";

    /// <summary>The model zip (written by <c>cnnml train --out</c>); replacing it reloads the model.</summary>
    public required string ModelPath { get; init; }

    /// <summary>Kestrel's addresses (port 0: a free port).</summary>
    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];

    /// <summary>The key clients send as <c>X-Api-Key</c>; null: no key asked (loopback, or <see cref="AllowAnonymous"/>).</summary>
    public string? ApiKey { get; init; }

    /// <summary>Serve a non-loopback address without a key, on purpose.</summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>Largest request body, in bytes (a larger one is answered 413 before it is read whole).</summary>
    public long MaxBodyBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Largest image a request may declare, in pixels (width × height), checked in the file's header before decoding.</summary>
    public long MaxImagePixels { get; init; } = 4096L * 4096;

    /// <summary>Files one multipart request may carry.</summary>
    public int MaxFilesPerRequest { get; init; } = 64;

    /// <summary>Requests scored at once (each with its own prediction engine); more wait in a queue.</summary>
    public int MaxConcurrentRequests { get; init; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>Requests waiting for a free engine; past this the server answers 503.</summary>
    public int MaxQueuedRequests { get; init; } = 256;

    /// <summary>Longest a /predict request may take, queueing included (then 503).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the model file must stay unchanged before a replacement is loaded.</summary>
    public TimeSpan ReloadSettleTime { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A test seam: awaited by /predict after it has taken its model version and before it scores (null: none).</summary>
    internal Func<CancellationToken, Task>? BeforeScoring { get; init; }
}
