namespace CnnMl.Runtime;

/// <summary>Finds the system libstdc++ and tells whether it exports a given symbol version.</summary>
internal static class LibStdCxxProbe
{
    private static readonly string[] Candidates =
    {
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    /// <summary>The first libstdc++.so.6 found in the usual library folders, or null.</summary>
    public static string? FindLibrary() => Candidates.FirstOrDefault(File.Exists);

    /// <summary>True if the version string (e.g. GLIBCXX_3.4.32) occurs in the library's bytes.</summary>
    public static bool HasVersion(string path, string version)
    {
        var needle = System.Text.Encoding.ASCII.GetBytes(version + "\0");
        var bytes = File.ReadAllBytes(path);
        return bytes.AsSpan().IndexOf(needle) >= 0;
    }
}
