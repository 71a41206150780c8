using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CnnMl.Demo.Serving;

/// <summary>
/// <c>cnnml serve</c>'s web application: ASP.NET Core minimal API on Kestrel. <c>POST /predict</c>
/// (<see cref="PredictEndpoint"/>), <c>GET /model</c>, <c>GET /health</c> and <c>GET /</c> (<see cref="ServePage"/>);
/// at most <see cref="ServerOptions.MaxConcurrentRequests"/> predictions at once (the rest queue, then 503), bodies up
/// to <see cref="ServerOptions.MaxBodyBytes"/>, a timeout per request, RFC 7807 problem details for every refusal,
/// the API key checked before anything is read (<see cref="ApiKeyCheck"/>), the model hot-reloaded (<see cref="ModelHost"/>).
/// </summary>
internal static class ModelServer
{
    private const string ScoringLimit = "scoring";
    private const string PredictTimeout = "predict";

    /// <summary>
    /// Builds the application (the model is loaded here: a missing or damaged file throws). Start it with
    /// <c>StartAsync</c>; its <c>Urls</c> then hold the bound addresses (with the port chosen for port 0).
    /// </summary>
    /// <param name="options">What to serve and the limits.</param>
    /// <param name="logging">Replaces the console logging (tests collect the log).</param>
    public static WebApplication Build(ServerOptions options, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls([.. options.Urls]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 1024, gracePeriod: TimeSpan.FromSeconds(5));
            kestrel.Limits.MaxConcurrentConnections = 1_000;
        });
        builder.Logging.ClearProviders();
        if (logging is not null) logging(builder.Logging);
        else
        {
            builder.Logging.AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss "; });
            builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("CnnMl", LogLevel.Information);
        }
        builder.Services.Configure<FormOptions>(form =>
        {
            form.MultipartBodyLengthLimit = options.MaxBodyBytes;
            form.ValueCountLimit = options.MaxFilesPerRequest + 16;
            form.MemoryBufferThreshold = (int)Math.Min(options.MaxBodyBytes, int.MaxValue);
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddConcurrencyLimiter(ScoringLimit, c =>
            {
                c.PermitLimit = options.MaxConcurrentRequests;
                c.QueueLimit = options.MaxQueuedRequests;
                c.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            limiter.OnRejected = (rejected, _) => new ValueTask(Problem(rejected.HttpContext, new RequestProblem(StatusCodes.Status503ServiceUnavailable, "Busy",
                $"The server is scoring {options.MaxConcurrentRequests} requests with {options.MaxQueuedRequests} more waiting; retry shortly.")));
        });
        builder.Services.AddRequestTimeouts(timeouts => timeouts.AddPolicy(PredictTimeout, new RequestTimeoutPolicy
        {
            Timeout = options.RequestTimeout,
            WriteTimeoutResponse = context => Problem(context, new RequestProblem(StatusCodes.Status503ServiceUnavailable, "Timed out",
                $"The request took longer than {options.RequestTimeout.TotalSeconds:0} s (queueing included); retry, or send fewer files per request.")),
        }));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddSingleton<PredictEndpoint>();

        var app = builder.Build();
        // Loads the model now, so that a bad file stops cnnml serve before it listens.
        var host = app.Services.GetRequiredService<ModelHost>();
        var apiKey = options.ApiKey is { } key ? new ApiKeyCheck(key) : null;

        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // An unexpected failure is logged in full and answered without any detail of the server.
            ExceptionHandler = context => Problem(context, new RequestProblem(StatusCodes.Status500InternalServerError, "Internal error",
                "The server failed to answer this request; it has logged the cause and goes on serving.")),
        });
        app.Use(async (context, next) =>
        {
            if (apiKey is not null && ApiKeyCheck.Protects(context.Request.Path) && apiKey.Check(context.Request) is { } refused)
            {
                await Problem(context, refused);
                return;
            }
            await next(context);
        });
        app.UseRequestTimeouts();
        app.UseRateLimiter();

        app.MapPost("/predict", (HttpContext context, PredictEndpoint endpoint) => endpoint.HandleAsync(context))
            .RequireRateLimiting(ScoringLimit)
            .WithRequestTimeout(PredictTimeout)
            .DisableAntiforgery();
        app.MapGet("/model", () => Results.Json(host.Current.Description));
        app.MapGet("/health", () =>
        {
            var model = host.Current;
            return Results.Json(new HealthReport("ok", model.Version, model.LoadedAt, host.Reloads, host.RefusedReloads));
        });
        app.MapGet("/", () => Results.Content(ServePage.Html, "text/html; charset=utf-8"));
        app.Lifetime.ApplicationStopped.Register(host.Dispose);
        return app;
    }

    private static Task Problem(HttpContext context, RequestProblem problem) => problem.ToResult().ExecuteAsync(context);

    private sealed record HealthReport(
        [property: System.Text.Json.Serialization.JsonPropertyName("status")] string Status,
        [property: System.Text.Json.Serialization.JsonPropertyName("modelVersion")] string ModelVersion,
        [property: System.Text.Json.Serialization.JsonPropertyName("loadedAt")] DateTimeOffset LoadedAt,
        [property: System.Text.Json.Serialization.JsonPropertyName("reloads")] int Reloads,
        [property: System.Text.Json.Serialization.JsonPropertyName("refusedReloads")] int RefusedReloads);
}
