using System.Runtime.CompilerServices;
using CnnMl.Architectures;
using PublicApiGenerator;

namespace CnnMl.Tests.ApiApproval;

/// <summary>
/// The library's public API, as PublicApiGenerator prints it, must equal the approved file
/// <c>test/CnnEstimators.Tests/ApiApproval/CnnEstimators.approved.txt</c>, so that every change to the public
/// surface is deliberate and shows in review.
/// </summary>
/// <remarks>
/// After changing the public API on purpose, regenerate the file and commit it with the change:
/// <code>CNNML_APPROVE_API=1 dotnet test CnnMl.sln -c Release --filter "FullyQualifiedName~PublicApiTests"</code>
/// The test then rewrites the approved file and fails ("approved file rewritten: review and commit it"), so that a
/// run with the variable set never passes; review the diff, commit it, and run again without the variable.
/// </remarks>
[TestClass]
public sealed class PublicApiTests
{
    private const string ApproveVariable = "CNNML_APPROVE_API";

    [TestMethod]
    public void PublicApiEqualsTheApprovedFile()
    {
        var actual = Normalize(typeof(CnnArchitectures).Assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            // The assembly's attributes (InternalsVisibleTo, TargetFramework, …) are build plumbing, not API.
            IncludeAssemblyAttributes = false,
        }));
        var path = ApprovedFilePath();

        if (Environment.GetEnvironmentVariable(ApproveVariable) == "1")
        {
            var before = File.Exists(path) ? Normalize(File.ReadAllText(path)) : null;
            File.WriteAllText(path, actual);
            Assert.Fail($"approved file rewritten: review and commit it ({path}; " +
                        (before == actual ? "its content did not change" : $"changes:\n{Diff(before ?? "", actual)}\n") +
                        $"). A run with {ApproveVariable}=1 always fails; run again without it to pass.");
        }

        Assert.IsTrue(File.Exists(path), $"No approved API file at {path}. Run the test once with {ApproveVariable}=1 to create it.");
        var approved = Normalize(File.ReadAllText(path));
        if (approved == actual) return;
        Assert.Fail(
            $"The public API differs from {path}.\n{Diff(approved, actual)}\n" +
            $"If the change is intended, rerun with {ApproveVariable}=1 to rewrite the approved file and commit it.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").TrimEnd() + "\n";

    /// <summary>The lines only in the approved file (−) and only in the current API (+), with line numbers.</summary>
    private static string Diff(string approved, string actual)
    {
        var before = approved.Split('\n');
        var after = actual.Split('\n');
        var beforeSet = before.ToHashSet(StringComparer.Ordinal);
        var afterSet = after.ToHashSet(StringComparer.Ordinal);
        var removed = before.Select((l, i) => (l, i)).Where(x => !afterSet.Contains(x.l)).Select(x => $"- {x.i + 1,5}: {x.l}");
        var added = after.Select((l, i) => (l, i)).Where(x => !beforeSet.Contains(x.l)).Select(x => $"+ {x.i + 1,5}: {x.l}");
        var lines = removed.Concat(added).ToArray();
        return lines.Length == 0
            ? "Same lines in a different order (a member or type moved)."
            : string.Join("\n", lines.Take(200)) + (lines.Length > 200 ? $"\n… and {lines.Length - 200} more" : "");
    }

    private static string ApprovedFilePath([CallerFilePath] string thisFile = "") =>
        Path.Combine(TestPathsFolder(thisFile), "CnnEstimators.approved.txt");

    // The approved file sits beside this source file in the repository (not in bin/), so it is versioned.
    private static string TestPathsFolder(string thisFile) =>
        File.Exists(thisFile)
            ? Path.GetDirectoryName(thisFile)!
            : Path.Combine(Support.TestPaths.RepositoryRoot, "test", "CnnEstimators.Tests", "ApiApproval");
}
