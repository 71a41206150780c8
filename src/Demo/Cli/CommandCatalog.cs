using System.Reflection;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Cli;

/// <summary>
/// The commands registered with Spectre.Console.Cli, kept so that a usage error can name the command's valid
/// options (Spectre's parse errors only name the bad token).
/// </summary>
internal sealed class CommandCatalog
{
    private readonly Dictionary<string, Type> _settingsByCommand = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The registered command names.</summary>
    public IEnumerable<string> CommandNames => _settingsByCommand.Keys;

    /// <summary>Registers <typeparamref name="TCommand"/> as <paramref name="name"/> and remembers its settings type.</summary>
    public ICommandConfigurator Add<TCommand>(IConfigurator config, string name)
        where TCommand : class, ICommand
    {
        _settingsByCommand[name] = SettingsTypeOf(typeof(TCommand));
        return config.AddCommand<TCommand>(name);
    }

    /// <summary>The command named by the first argument, if it is a registered one.</summary>
    public string? CommandIn(IReadOnlyList<string> args) =>
        args.Count > 0 && _settingsByCommand.ContainsKey(args[0]) ? args[0].ToLowerInvariant() : null;

    /// <summary>The options of <paramref name="command"/> as typed on a command line (<c>--epochs</c>, <c>-h</c>), help included.</summary>
    public IReadOnlyList<string> OptionsOf(string command)
    {
        var options = new List<string> { "--help", "-h" };
        if (!_settingsByCommand.TryGetValue(command, out var settings)) return options;
        foreach (var property in settings.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<CommandOptionAttribute>() is not { } option) continue;
            options.AddRange(option.LongNames.Select(n => "--" + n));
            options.AddRange(option.ShortNames.Select(n => "-" + n));
        }
        return options;
    }

    /// <summary>The options of <paramref name="command"/> that take a value, with the value's name (<c>--out</c> → <c>FILE</c>).</summary>
    public IReadOnlyDictionary<string, string> ValueOptionsOf(string command)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!_settingsByCommand.TryGetValue(command, out var settings)) return options;
        foreach (var property in settings.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<CommandOptionAttribute>() is not { ValueName: { } valueName, ValueIsOptional: false } option) continue;
            foreach (var name in option.LongNames.Select(n => "--" + n).Concat(option.ShortNames.Select(n => "-" + n)))
                options[name] = valueName;
        }
        return options;
    }

    private static Type SettingsTypeOf(Type command)
    {
        for (var type = command; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Command<>))
                return type.GetGenericArguments()[0];
        }
        return typeof(EmptyCommandSettings);
    }
}
