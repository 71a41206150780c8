using System.Text.RegularExpressions;
using CnnMl.Tests.Packaging;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.Structure;

/// <summary>
/// The README and the guides under docs/ as a reader meets them: a short README whose first example and install lines
/// are the ones the packaging tests run, every relative link and anchor leading somewhere, every page of docs/ reachable
/// from its index. Reads the Markdown files only (no build, no process): well under a second.
/// </summary>
[TestClass]
public sealed partial class DocumentationTests
{
    private const int ReadmeMaxLines = 300;

    private static readonly string[] SkippedFolders = [".git", "bin", "obj", "artifacts", "TestResults", "data", "node_modules"];

    [TestMethod]
    public void TheReadmeIsAtMostThreeHundredLinesAndKeepsItsTwoCommands()
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.RepositoryRoot, "README.md"));
        Assert.IsLessThanOrEqualTo(ReadmeMaxLines, lines.Length, $"README.md has {lines.Length} lines; move the detail into a guide under docs/");
        Assert.IsTrue(lines.Any(l => l.Contains("`bash scripts/train.sh`", StringComparison.Ordinal)), "README.md should give the train command");
        Assert.IsTrue(lines.Any(l => l.Contains("`bash scripts/test.sh`", StringComparison.Ordinal)), "README.md should give the test command");
    }

    [TestMethod]
    public void TheReadmesFirstExampleAndInstallLinesAreTheOnesThePackagingTestsRun()
    {
        var readme = ReadmeSections.Load();
        // Each of these asserts (inside) that the part it needs is there exactly once.
        var program = PackageConsumerTests.ReadmeProgram(readme.FirstCSharpExample);
        StringAssert.Contains(program, "Epochs = 1");
        var (library, libtorch) = readme.AddPackageLines();
        Assert.AreEqual("dotnet add package CnnMl", library);
        StringAssert.StartsWith(libtorch, "dotnet add package libtorch-cpu-linux-x64 --version ");
        Assert.AreEqual("dotnet tool install --global CnnMl.Cli", readme.ToolInstallLine());
    }

    [TestMethod]
    public void EveryRelativeLinkInTheMarkdownFilesLeadsToAFileAndEveryAnchorToAHeading()
    {
        var broken = new List<string>();
        var checkedLinks = 0;
        foreach (var page in MarkdownFiles())
        {
            foreach (var (line, target) in Links(File.ReadAllText(page)))
            {
                if (UriScheme().IsMatch(target)) continue;
                checkedLinks++;
                var hash = target.IndexOf('#');
                var path = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? null : Uri.UnescapeDataString(target[(hash + 1)..]);
                var file = path.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, Uri.UnescapeDataString(path)));
                var where = $"{Path.GetRelativePath(TestPaths.RepositoryRoot, page)}:{line}: ({target})";
                if (!File.Exists(file) && !Directory.Exists(file)) broken.Add($"{where} no such file");
                else if (anchor is not null && !(File.Exists(file) && Anchors(File.ReadAllText(file)).Contains(anchor)))
                    broken.Add($"{where} no heading with the anchor '#{anchor}' in {Path.GetFileName(file)}");
            }
        }
        Assert.IsEmpty(broken, string.Join('\n', broken));
        Assert.IsGreaterThan(50, checkedLinks, "the README and the guides link to each other; far fewer links means the scan is broken");
    }

    [TestMethod]
    public void EveryPageUnderDocsAndItsFoldersIsLinkedFromTheIndexAndTheIndexFromTheReadme()
    {
        var docs = Path.Combine(TestPaths.RepositoryRoot, "docs");
        var index = Path.Combine(docs, "README.md");
        var linked = Links(File.ReadAllText(index)).Select(l => Path.GetFullPath(Path.Combine(docs, l.Target.Split('#')[0]))).ToHashSet();
        var unlinked = Directory.GetFiles(docs, "*.md", SearchOption.AllDirectories).Where(p => p != index && !linked.Contains(p)).Select(p => Path.GetRelativePath(docs, p)).ToList();
        Assert.IsEmpty(unlinked, "docs/README.md should link every page of docs/: " + string.Join(", ", unlinked));
        Assert.IsTrue(Links(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md"))).Any(l => l.Target == "docs/README.md"),
            "README.md should link the guides' index, docs/README.md");
    }

    [TestMethod]
    public void TheAnchorsFollowGitHubsHeadingRule()
    {
        var anchors = Anchors("# CnnMl\n## What set-up does (`scripts/setup.sh`)\n```\n# not a heading\n```\n## Devices: CPU, CUDA, any libtorch\n## Notes\n## Notes\n");
        CollectionAssert.AreEquivalent(new[] { "cnnml", "what-set-up-does-scriptssetupsh", "devices-cpu-cuda-any-libtorch", "notes", "notes-1" }, anchors.ToArray());
    }

    private static IEnumerable<string> MarkdownFiles() =>
        Directory.EnumerateFiles(TestPaths.RepositoryRoot, "*.md", SearchOption.AllDirectories)
            .Where(p => !Path.GetRelativePath(TestPaths.RepositoryRoot, p).Split(Path.DirectorySeparatorChar).Any(SkippedFolders.Contains));

    /// <summary>The (line, target) of every Markdown link and image outside code blocks and inline code.</summary>
    private static IEnumerable<(int Line, string Target)> Links(string markdown)
    {
        var inFence = false;
        var number = 0;
        foreach (var raw in markdown.Split('\n'))
        {
            number++;
            if (raw.TrimStart().StartsWith("```", StringComparison.Ordinal)) { inFence = !inFence; continue; }
            if (inFence) continue;
            var line = InlineCode().Replace(raw, "");
            foreach (Match m in Link().Matches(line)) yield return (number, m.Groups[1].Value);
        }
    }

    /// <summary>GitHub's anchors for the headings of a page: lower case, punctuation dropped, spaces as hyphens, repeats numbered.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var inFence = false;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) { inFence = !inFence; continue; }
            var heading = Heading().Match(line);
            if (inFence || !heading.Success) continue;
            var slug = NotInAnchor().Replace(heading.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-');
            var anchor = slug;
            for (var n = 1; !anchors.Add(anchor); n++) anchor = $"{slug}-{n}";
        }
        return anchors;
    }

    [GeneratedRegex(@"!?\[[^\]]*\]\(([^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)]
    private static partial Regex UriScheme();

    [GeneratedRegex(@"^#{1,6}\s+(.*?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{Nd}\p{Mn}\p{Pc} -]")]
    private static partial Regex NotInAnchor();
}
