using CnnMl.Demo.Cli;
using CnnMl.Demo.Models;
using CnnMl.Demo.Scaffolding;
using Microsoft.ML;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.New;

/// <summary><c>cnnml new webapi</c>: writes a minimal ASP.NET Core project that serves a model zip with ML.NET alone (see <see cref="WebApiProject"/>).</summary>
public sealed class NewWebApiCommand : Command<NewWebApiSettings>
{
    public override int Execute(CommandContext context, NewWebApiSettings settings, CancellationToken cancellation)
    {
        var modelPath = OutputFiles.RequireFile("--model", settings.Model);
        var output = Path.GetFullPath(settings.Output);
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new IOException($"--output {settings.Output}: '{output}' is not empty; give a new or empty folder.");
        IReadOnlyDictionary<string, string> files;
        using (var model = SavedModel.Load(new MLContext(), modelPath))
            files = WebApiProject.Files(model, settings.ProjectName);
        Directory.CreateDirectory(output);
        foreach (var (name, text) in files) OutputFiles.WriteAtomically(Path.Combine(output, name), text);
        File.Copy(modelPath, Path.Combine(output, "model.zip"));
        AnsiConsole.MarkupLineInterpolated($"Wrote [bold]{output}[/]: {string.Join(", ", files.Keys)}, model.zip. Run it: cd {output} && dotnet run --urls http://127.0.0.1:5000");
        return 0;
    }
}
