using System.Collections.Concurrent;

namespace CnnMl.Optimizers;

/// <summary>
/// The optimizers a checkpoint can record and restore: a table of names to factories. <c>adam</c>, <c>adamw</c> and
/// <c>sgd</c> are built in; <see cref="Register{T}"/> adds your own, after which a run with it writes checkpoints
/// (its name and public settings) and resumes from them like the built-in ones, with no change to the checkpoint code.
/// </summary>
public static class CnnOptimizers
{
    private static readonly ConcurrentDictionary<string, Func<CnnOptimizer>> Factories = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<Type, string> Names = new();

    static CnnOptimizers()
    {
        Register<Adam>("adam");
        Register<AdamW>("adamw");
        Register<Sgd>("sgd");
    }

    /// <summary>The registered names, in order.</summary>
    public static IReadOnlyList<string> All => Factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Registers <typeparamref name="T"/> under <paramref name="name"/> (lowercase letters, digits, '-', '_'). Its public
    /// read-write properties are its settings: a checkpoint stores them as JSON and sets them on a new instance.
    /// Registering the same type under the same name again does nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The name is malformed, or taken by another type, or the type has another name.</exception>
    public static void Register<T>(string name) where T : CnnOptimizer, new()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            throw new ArgumentException($"Optimizer name '{name}' must be lowercase letters, digits, '-' or '_'.", nameof(name));
        lock (Factories)
        {
            if (Names.TryGetValue(typeof(T), out var existing) && existing != name)
                throw new ArgumentException($"{typeof(T).Name} is already registered as '{existing}'.", nameof(name));
            if (Factories.ContainsKey(name) && !Names.TryGetValue(typeof(T), out _))
                throw new ArgumentException($"An optimizer is already registered as '{name}'.", nameof(name));
            Factories[name] = static () => new T();
            Names[typeof(T)] = name;
        }
    }

    /// <summary>A new optimizer with default settings registered as <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No optimizer has that name; the message lists those that do.</exception>
    public static CnnOptimizer Create(string name) =>
        Factories.TryGetValue(name, out var factory)
            ? factory()
            : throw new ArgumentException($"No optimizer is registered as '{name}'; registered: {string.Join(", ", All)}.", nameof(name));

    /// <summary>The name <paramref name="optimizer"/>'s type is registered under, or null.</summary>
    public static string? NameOf(CnnOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return Names.TryGetValue(optimizer.GetType(), out var name) ? name : null;
    }
}
