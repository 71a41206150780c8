using System.ComponentModel;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Serving;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Serve;

/// <summary>Options of <c>cnnml serve</c>.</summary>
public sealed class ServeSettings : CnnmlSettings
{
    /// <summary>The environment variable read for the key when <c>--api-key</c> is not given (keeps it out of the process list).</summary>
    public const string ApiKeyVariable = "CNNML_API_KEY";

    [CommandOption("--model <FILE>", isRequired: true)]
    [Description("The model zip written by cnnml train --out. Replacing the file (atomically, as cnnml train does) reloads it.")]
    public string Model { get; init; } = "";

    [CommandOption("--urls <URLS>")]
    [Description("Addresses to listen on, separated by ';' (Kestrel's --urls). Anything but loopback needs --api-key or --allow-anonymous.")]
    [DefaultValue(ServerOptions.DefaultUrl)]
    public string Urls { get; init; } = ServerOptions.DefaultUrl;

    [CommandOption("--api-key <KEY>")]
    [Description("Require this key in every request's X-Api-Key header (/predict, /model). Default: $" + ApiKeyVariable + ".")]
    public string? ApiKey { get; init; }

    [CommandOption("--allow-anonymous")]
    [Description("Serve a non-loopback address without an API key, on purpose.")]
    [DefaultValue(false)]
    public bool AllowAnonymous { get; init; }

    [CommandOption("--max-body-mb <MB>")]
    [Description("Largest request body, in megabytes (larger: 413).")]
    [DefaultValue(10)]
    public int MaxBodyMegabytes { get; init; } = 10;

    [CommandOption("--concurrency <N>")]
    [Description("Requests scored at once, each on its own prediction engine; more wait in a queue. Default: 2 per core.")]
    public int? Concurrency { get; init; }

    /// <summary>The addresses, one per entry.</summary>
    public IReadOnlyList<string> UrlList => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>--api-key, else $CNNML_API_KEY, else null.</summary>
    public string? EffectiveApiKey => ApiKey ?? (Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } key ? key : null);

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Model)) return ValidationResult.Error("--model needs the path of a model zip.");
        if (UrlList.Count == 0) return ValidationResult.Error($"--urls needs at least one address (e.g. {ServerOptions.DefaultUrl}).");
        if (MaxBodyMegabytes is < 1 or > 1024) return ValidationResult.Error($"--max-body-mb must be between 1 and 1024 (got {MaxBodyMegabytes}).");
        if (Concurrency is < 1 or > 1024) return ValidationResult.Error($"--concurrency must be between 1 and 1024 (got {Concurrency}).");
        if (ApiKey is { } key && (key.Length < 8 || key.Any(char.IsWhiteSpace)))
            return ValidationResult.Error("--api-key must be at least 8 characters without spaces; a short key is guessed.");
        IReadOnlyList<string> open;
        try
        {
            open = ListenAddresses.NonLoopback(UrlList);
        }
        catch (ArgumentException e)
        {
            return ValidationResult.Error(e.Message);
        }
        if (open.Count > 0 && EffectiveApiKey is null && !AllowAnonymous)
            return ValidationResult.Error(
                $"--urls {string.Join(";", open)} can be reached from other machines; give --api-key KEY (clients send it as X-Api-Key), or --allow-anonymous to serve anyone on purpose.");
        return ValidationResult.Success();
    }

    /// <summary>The server's options.</summary>
    internal ServerOptions ToOptions(string modelPath) => new()
    {
        ModelPath = modelPath,
        Urls = UrlList,
        ApiKey = EffectiveApiKey,
        AllowAnonymous = AllowAnonymous,
        MaxBodyBytes = MaxBodyMegabytes * 1024L * 1024,
        MaxConcurrentRequests = Concurrency ?? new ServerOptions { ModelPath = modelPath }.MaxConcurrentRequests,
    };
}
