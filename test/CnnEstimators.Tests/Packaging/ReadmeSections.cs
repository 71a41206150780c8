using System.Text.RegularExpressions;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.Packaging;

/// <summary>
/// The parts of README.md a new user copies: its first C# example and the commands of its Install section. The
/// packaging tests run exactly these, so the README cannot drift from what works.
/// </summary>
internal sealed partial class ReadmeSections
{
    private ReadmeSections(string firstCSharpExample, IReadOnlyList<string> installCommands)
    {
        FirstCSharpExample = firstCSharpExample;
        InstallCommands = installCommands;
    }

    /// <summary>The first <c>```csharp</c> block of the README, as written.</summary>
    public string FirstCSharpExample { get; }

    /// <summary>The lines of the first <c>```bash</c> block under <c>## Install</c>.</summary>
    public IReadOnlyList<string> InstallCommands { get; }

    /// <summary>Reads README.md at the repository's root.</summary>
    public static ReadmeSections Load()
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md"));
        var example = CSharpBlock().Match(text);
        Assert.IsTrue(example.Success, "README.md has no ```csharp block");
        var install = text.IndexOf("\n## Install", StringComparison.Ordinal);
        Assert.IsTrue(install >= 0, "README.md has no '## Install' section");
        var commands = BashBlock().Match(text, install);
        Assert.IsTrue(commands.Success, "README.md's Install section has no ```bash block");
        var lines = commands.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new ReadmeSections(example.Groups[1].Value, lines);
    }

    /// <summary>The Install section's two <c>dotnet add package</c> lines: CnnMl's, then the Linux x64 libtorch's.</summary>
    public (string Library, string LibTorch) AddPackageLines()
    {
        var library = InstallCommands.SingleOrDefault(l => l.StartsWith("dotnet add package CnnMl", StringComparison.Ordinal));
        var libtorch = InstallCommands.SingleOrDefault(l => l.StartsWith("dotnet add package libtorch-cpu-linux-x64 ", StringComparison.Ordinal));
        Assert.IsNotNull(library, "README.md's Install section should say 'dotnet add package CnnMl':\n" + string.Join('\n', InstallCommands));
        Assert.IsNotNull(libtorch, "README.md's Install section should say 'dotnet add package libtorch-cpu-linux-x64 ...':\n" + string.Join('\n', InstallCommands));
        return (library, libtorch);
    }

    /// <summary>The Install section's <c>dotnet tool install</c> line.</summary>
    public string ToolInstallLine()
    {
        var line = InstallCommands.SingleOrDefault(l => l.StartsWith("dotnet tool install --global CnnMl.Cli", StringComparison.Ordinal));
        Assert.IsNotNull(line, "README.md's Install section should say 'dotnet tool install --global CnnMl.Cli':\n" + string.Join('\n', InstallCommands));
        return line.Split('#')[0].Trim();
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();
}
