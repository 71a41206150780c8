using System.Text.RegularExpressions;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Cli;

/// <summary>
/// Turns what went wrong into an exit code and one line on standard error. Usage errors (unknown command or
/// option, bad value: Spectre.Console.Cli's parse and validation errors, raised before a command runs) exit
/// with <see cref="ExitCodes.Usage"/> and name the closest valid option; runtime failures exit with
/// <see cref="ExitCodes.Failure"/>; the stack trace is printed only with <c>--verbose</c>.
/// </summary>
internal sealed partial class FailureReport(CommandCatalog catalog, IReadOnlyList<string> args, TextWriter error)
{
    /// <summary>The option that asks for stack traces; accepted by every command.</summary>
    public const string VerboseOption = "--verbose";

    private bool Verbose => args.Contains(VerboseOption, StringComparer.OrdinalIgnoreCase);

    /// <summary>Reports <paramref name="exception"/> and returns the exit code.</summary>
    public int Handle(Exception exception)
    {
        switch (exception)
        {
            case OperationCanceledException:
                // Program prints "canceled" once, whichever path the cancellation took.
                return ExitCodes.Canceled;
            case CommandConfigurationException:
                // The console's own set-up is wrong: a bug, not the user's input.
                WriteLine($"internal error: {OneLine(exception.Message)}");
                WriteTrace(exception);
                return ExitCodes.Failure;
            case CommandAppException usage:
                WriteLine(UsageMessage(usage));
                WriteTrace(exception);
                return ExitCodes.Usage;
            default:
                WriteLine(RuntimeMessage(exception));
                WriteTrace(exception);
                return ExitCodes.Failure;
        }
    }

    /// <summary>The one line for a usage error.</summary>
    public string UsageMessage(CommandAppException exception)
    {
        var command = catalog.CommandIn(args);
        var help = command is null ? "See 'cnnml --help'." : $"See 'cnnml {command} --help'.";
        var message = exception.Message;

        if (UnknownCommand().Match(message) is { Success: true } unknownCommand)
        {
            var typed = unknownCommand.Groups[1].Value;
            var closest = ClosestName.Find(typed, catalog.CommandNames);
            return $"error: unknown command '{typed}'{DidYouMean(closest)} {help}";
        }
        if (UnknownOption().IsMatch(message) && command is not null)
        {
            var valid = catalog.OptionsOf(command);
            var typed = args.Skip(1).Select(OptionName).FirstOrDefault(a => a.StartsWith('-') && !valid.Contains(a, StringComparer.OrdinalIgnoreCase))
                ?? "--" + UnknownOption().Match(message).Groups[1].Value;
            var closest = ClosestName.Find(typed, valid.Where(v => v.StartsWith("--", StringComparison.Ordinal)));
            return $"error: unknown option '{typed}' for 'cnnml {command}'{DidYouMean(closest)} {help}";
        }
        if (FailedConversion().Match(message) is { Success: true } conversion)
        {
            var value = conversion.Groups[1].Value;
            var option = OptionTaking(value);
            var what = conversion.Groups[2].Value.TrimEnd('.') switch
            {
                "Int32" or "Int64" => "a whole number",
                "Single" or "Double" => "a number",
                "Boolean" => "true or false",
                // int? and double? options: Spectre names only Nullable`1.
                "Nullable" => "a number",
                var type when EnumNamed(type) is { } values => "one of " + string.Join(", ", values),
                var type => $"a {type}",
            };
            return option is null
                ? $"error: '{value}' is not {what}. {help}"
                : $"error: {option} expects {what}, got '{value}'. {help}";
        }
        // "Did you mean 'lenet5'?" ends the sentence already.
        var sentence = OneLine(message).TrimEnd('.');
        return $"error: {sentence}{(sentence.EndsWith('?') ? "" : ".")} {help}";
    }

    /// <summary>
    /// A value-taking option given last or followed by another option (<c>train --out</c>): Spectre.Console.Cli
    /// leaves such an option unset instead of failing, so it is caught here, before the command runs.
    /// Returns the exit code after reporting it, or null when every option has its value.
    /// </summary>
    public int? CheckOptionValues()
    {
        if (catalog.CommandIn(args) is not { } command) return null;
        var valueOptions = catalog.ValueOptionsOf(command);
        for (var i = 1; i < args.Count; i++)
        {
            if (!valueOptions.TryGetValue(args[i], out var valueName)) continue;
            var next = i + 1 < args.Count ? args[i + 1] : null;
            if (next is null || (next.StartsWith('-') && !double.TryParse(next, System.Globalization.CultureInfo.InvariantCulture, out _)))
            {
                WriteLine($"error: {args[i]} needs a value ({valueName}). See 'cnnml {command} --help'.");
                return ExitCodes.Usage;
            }
            i++;
        }
        return null;
    }

    /// <summary>The one line for a runtime failure.</summary>
    public string RuntimeMessage(Exception exception)
    {
        // Errors the console and library raise on purpose carry a message written for the user; anything else
        // is unexpected, so its type helps and --verbose gives the rest.
        var expected = exception is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException
            or FormatException or InvalidOperationException or NotSupportedException or CnnMl.Runtime.TorchNativeLibraryException;
        var message = OneLine(exception.Message);
        return expected
            ? $"error: {message}"
            : $"error: {message} ({exception.GetType().Name}{(Verbose ? "" : "; --verbose prints the stack trace")})";
    }

    // An enum of the console's own settings (e.g. TrainDevice) as the lower-case values the command line takes.
    private static string[]? EnumNamed(string type) =>
        typeof(FailureReport).Assembly.GetTypes().FirstOrDefault(t => t.IsEnum && t.Name == type) is { } e
            ? Enum.GetNames(e).Select(n => n.ToLowerInvariant()).ToArray()
            : null;

    private string? OptionTaking(string value)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i].EndsWith("=" + value, StringComparison.Ordinal))
                return OptionName(args[i]);
            if (args[i] == value && i > 0 && args[i - 1].StartsWith('-'))
                return args[i - 1];
        }
        return null;
    }

    private static string OptionName(string argument) =>
        argument.IndexOf('=') is > 0 and var equals ? argument[..equals] : argument;

    private static string DidYouMean(string? closest) => closest is null ? "." : $"; did you mean '{closest}'?";

    // One line of printable text: line breaks become spaces, other control characters (a file name's raw bytes) \xNN.
    private static string OneLine(string message) =>
        string.Concat(string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(c => char.IsControl(c) ? $"\\x{(int)c:X2}" : c.ToString()));

    private void WriteLine(string line) => error.WriteLine($"cnnml: {line}");

    private void WriteTrace(Exception exception)
    {
        if (Verbose) error.WriteLine(exception.ToString());
    }

    [GeneratedRegex("^Unknown command '([^']*)'")]
    private static partial Regex UnknownCommand();

    [GeneratedRegex("^Unknown option '([^']*)'")]
    private static partial Regex UnknownOption();

    [GeneratedRegex("^Failed to convert '([^']*)' to ([A-Za-z0-9_.]+)")]
    private static partial Regex FailedConversion();
}
