namespace CnnMl.Tests.Support;

/// <summary>A unique path in the temporary folder with a given extension, deleted on dispose.</summary>
internal sealed class TemporaryFile(string extension) : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cnnml-{Guid.NewGuid():N}{extension}");

    public void Dispose()
    {
        if (File.Exists(Path)) File.Delete(Path);
    }
}
