using Spectre.Console.Cli;
using Spectre.Console.Testing;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// Parses a command line into a console command's settings with Spectre.Console.Cli, as <c>cnnml</c> does (strict
/// parsing, the settings' own <c>Validate</c>), without running the command: what a test of an option's path from
/// the command line to <c>CnnTrainerOptions</c> starts from. Usage errors are tested with <see cref="CnnmlInProcess"/>.
/// </summary>
internal static class ParsedSettings
{
    /// <summary>The <typeparamref name="TSettings"/> that <paramref name="args"/> (the options, without the command) make.</summary>
    public static TSettings Of<TSettings>(params string[] args) where TSettings : CommandSettings
    {
        TSettings? parsed = null;
        var app = new CommandApp<Capture<TSettings>>();
        app.Configure(config =>
        {
            config.UseStrictParsing();
            config.PropagateExceptions();
            config.ConfigureConsole(new TestConsole());
            config.Settings.Registrar.RegisterInstance(new Action<TSettings>(s => parsed = s));
        });
        var exitCode = app.Run(args);
        Assert.AreEqual(0, exitCode, $"parsing {string.Join(' ', args)}");
        return parsed ?? throw new AssertFailedException("The command did not run.");
    }

    private sealed class Capture<TSettings>(Action<TSettings> capture) : Command<TSettings> where TSettings : CommandSettings
    {
        public override int Execute(CommandContext context, TSettings settings, CancellationToken cancellation)
        {
            capture(settings);
            return 0;
        }
    }
}
