using CnnMl.Demo.Cli;
using CnnMl.Demo.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Serve;

/// <summary>
/// <c>cnnml serve</c>: serves a model zip over HTTP until Ctrl+C or SIGTERM (see <see cref="ModelServer"/>): <c>POST /predict</c>,
/// <c>GET /model</c>, <c>GET /health</c>, and a page at <c>/</c> to draw a digit or drop an image on.
/// </summary>
public sealed class ServeCommand : AsyncCommand<ServeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ServeSettings settings, CancellationToken cancellation)
    {
        var modelPath = OutputFiles.RequireFile("--model", settings.Model);
        await using var app = ModelServer.Build(settings.ToOptions(modelPath));
        await app.StartAsync(cancellation);
        var model = app.Services.GetRequiredService<ModelHost>().Current;
        AnsiConsole.MarkupLineInterpolated(
            $"Serving [bold]{modelPath}[/] (version {model.Version}, {model.Description.Architecture}, {model.Classes.Count} classes, input {model.Description.Input.Kind}) on [bold]{string.Join(", ", app.Urls)}[/]");
        AnsiConsole.MarkupLineInterpolated(
            $"POST /predict ({string.Join(", ", model.Description.Input.Accepts)}), GET /model, GET /health, the page at /. {(settings.EffectiveApiKey is null ? "No API key." : "API key required (X-Api-Key).")} Ctrl+C stops.");
        // Ctrl+C cancels the command; SIGTERM (docker stop, systemctl stop) reaches the host, whose console lifetime
        // stops the application: either ends the wait, and the server stops, letting requests in flight finish.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, app.Lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await app.StopAsync(CancellationToken.None);
        AnsiConsole.MarkupLine("Stopped.");
        return 0;
    }
}
