using CnnMl.Architectures;

namespace CnnMl.Demo.Cli;

/// <summary>The usage error of an architecture name the registry does not know, as every command gives it.</summary>
internal static class ArchitectureName
{
    /// <summary>The library's unknown-architecture message plus the nearest registered name.</summary>
    public static string Unknown(string name) =>
        CnnArchitectures.UnknownArchitectureMessage(name).TrimEnd('.') +
        (ClosestName.Find(name, CnnArchitectures.All.Select(a => a.Name)) is { } closest ? $". Did you mean '{closest}'?" : ".");
}
