namespace CnnMl.Demo.Commands;

/// <summary>Where the console reads MNIST from and how it writes its JSON files.</summary>
internal static class OutputFiles
{
    /// <summary>The MNIST folder: <paramref name="option"/> if given, else $CNNML_DATA, else data/mnist.</summary>
    public static string MnistDirectory(string? option) =>
        option ?? (Environment.GetEnvironmentVariable("CNNML_DATA") is { Length: > 0 } env ? env : Path.Combine("data", "mnist"));

    /// <summary>
    /// Writes <paramref name="text"/> to a temporary file and renames it into place, so a crash never leaves a
    /// half-written file. Returns the full path.
    /// </summary>
    public static string WriteAtomically(string path, string text)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, full, overwrite: true);
        return full;
    }
}
