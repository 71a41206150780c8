using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using CnnMl.Demo.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CnnMl.Tests.Serving;

/// <summary>
/// <c>cnnml serve</c>'s application on a real Kestrel at 127.0.0.1 with a free port, in this process, with an
/// <see cref="HttpClient"/> pointed at it and its log collected.
/// </summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningServer(WebApplication app, Uri address, ConcurrentQueue<string> log)
    {
        _app = app;
        Address = address;
        Log = log;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>http://127.0.0.1:PORT/.</summary>
    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>Every log line, as "Level: message".</summary>
    public ConcurrentQueue<string> Log { get; }

    /// <summary>The server's model host (the served version, reload counts).</summary>
    public ModelHost Host => _app.Services.GetRequiredService<ModelHost>();

    /// <summary>Starts a server on <paramref name="options"/> (its URLs replaced by 127.0.0.1 with a free port).</summary>
    public static async Task<RunningServer> StartAsync(ServerOptions options)
    {
        var log = new ConcurrentQueue<string>();
        var app = ModelServer.Build(options with { Urls = ["http://127.0.0.1:0"] }, logging => logging.AddProvider(new CollectingLogger(log)).SetMinimumLevel(LogLevel.Information));
        await app.StartAsync();
        return new RunningServer(app, new Uri(app.Urls.Single().TrimEnd('/') + "/"), log);
    }

    /// <summary>POSTs <paramref name="body"/> to /predict as <paramref name="mediaType"/>.</summary>
    public Task<HttpResponseMessage> PostAsync(byte[] body, string? mediaType, string query = "")
    {
        var content = new ByteArrayContent(body);
        if (mediaType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        return Client.PostAsync("predict" + query, content);
    }

    /// <summary>POSTs <c>{"pixels": values}</c>.</summary>
    public Task<HttpResponseMessage> PostPixelsAsync(float[] values, string query = "") =>
        PostAsync(JsonSerializer.SerializeToUtf8Bytes(new { pixels = values }), "application/json", query);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class CollectingLogger(ConcurrentQueue<string> log) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Enqueue($"{logLevel}: {formatter(state, exception)}");

        public void Dispose()
        {
        }
    }
}
