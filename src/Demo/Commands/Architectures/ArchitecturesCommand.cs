using CnnMl.Architectures;
using CnnMl.Demo.Cli;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Architectures;

/// <summary><c>cnnml architectures</c>: the registry, one line per network.</summary>
public sealed class ArchitecturesCommand : Command<CnnmlSettings>
{
    public override int Execute(CommandContext context, CnnmlSettings settings, CancellationToken cancellation)
    {
        var width = CnnArchitectures.All.Max(a => a.Name.Length);
        foreach (var architecture in CnnArchitectures.All)
        {
            var input = $"{architecture.DefaultInput}, {architecture.DefaultClasses} classes";
            Console.WriteLine($"{architecture.Name.PadRight(width)}  {input,-26}  {architecture.Description}");
        }
        return 0;
    }
}
