using CnnMl.Demo.Cli;
using OxyPlot;
using OxyPlot.SkiaSharp;
using Spectre.Console;

namespace CnnMl.Demo.Plots;

/// <summary>
/// The folder given to <c>--plots</c>: checked before any work starts, created only when the first picture is
/// written (a run that fails or is canceled before then leaves nothing behind), and written one PNG at a time,
/// atomically, with each path printed.
/// </summary>
internal sealed class PlotFolder
{
    private readonly string _option;
    private readonly List<string> _written = [];

    private PlotFolder(string option, string path)
    {
        _option = option;
        Path = path;
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>The pictures (and tables) written so far, full paths, in order.</summary>
    public IReadOnlyList<string> Written => _written;

    /// <summary>
    /// Checks <paramref name="path"/> (given through <paramref name="option"/>) as <see cref="OutputFiles.EnsureWritable"/>
    /// checks a file: it is not a file, and it, or the folder it would be created in, can be written. Returns null when
    /// the option was not given. Throws <see cref="IOException"/> naming the option, the path and the fix.
    /// </summary>
    public static PlotFolder? Open(string option, string? path)
    {
        if (path is null) return null;
        if (string.IsNullOrWhiteSpace(path))
            throw new IOException($"{option} needs a folder path (got an empty value).");
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
            throw new IOException($"{option} {path}: '{full}' is a file; give a folder for the pictures (it is created if missing).");
        // An existing folder must take a new file; a missing one must be creatable in its parent (one level only, as mkdir).
        var probeIn = Directory.Exists(full) ? full : System.IO.Path.GetDirectoryName(full)!;
        if (!Directory.Exists(probeIn))
            throw new IOException($"{option} {path}: the folder '{probeIn}' that would hold it does not exist; create it first (mkdir -p {full}).");
        OutputFiles.EnsureWritable(option, System.IO.Path.Combine(probeIn, "cnnml-plot.png"));
        return new PlotFolder(option, full);
    }

    /// <summary>Writes <paramref name="text"/> (a table beside the pictures) as <paramref name="fileName"/>, atomically; prints and returns its path.</summary>
    public string SaveText(string text, string fileName)
    {
        var path = OutputFiles.WriteAtomically(System.IO.Path.Combine(Path, fileName), text);
        _written.Add(path);
        AnsiConsole.MarkupLineInterpolated($"Table ({_option}): {path}");
        return path;
    }

    /// <summary>Renders <paramref name="plot"/> as a <paramref name="width"/>×<paramref name="height"/> PNG named <paramref name="fileName"/>, prints and returns its path.</summary>
    public string Save(PlotModel plot, string fileName, int width, int height)
    {
        plot.Background = OxyColors.White;
        var exporter = new PngExporter { Width = width, Height = height };
        var path = OutputFiles.WriteAtomically(System.IO.Path.Combine(Path, fileName), stream => exporter.Export(plot, stream));
        _written.Add(path);
        AnsiConsole.MarkupLineInterpolated($"Picture ({_option}): {path}");
        return path;
    }
}
