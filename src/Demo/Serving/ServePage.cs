namespace CnnMl.Demo.Serving;

/// <summary><c>GET /</c>: one self-contained page (no external assets), embedded in the assembly (Serving/Page/index.html).</summary>
internal static class ServePage
{
    /// <summary>The page's HTML.</summary>
    public static string Html { get; } = Read();

    private static string Read()
    {
        using var stream = typeof(ServePage).Assembly.GetManifestResourceStream("serve-page.html")
            ?? throw new InvalidOperationException("The serve page (serve-page.html) is not embedded in cnnml.dll.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
