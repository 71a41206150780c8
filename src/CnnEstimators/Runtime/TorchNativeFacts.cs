namespace CnnMl.Runtime;

/// <summary>
/// What decides why TorchSharp's native library did not load and what fixes it: the operating system, whether the
/// system libstdc++ has the symbol version libLibTorchSharp.so needs, where (if anywhere) a libtorch sits beside the
/// application, and the repository build's <c>TorchBackend</c>.
/// </summary>
/// <param name="IsLinux">True on Linux, where the libstdc++ requirement applies.</param>
/// <param name="LibStdCxx">The system libstdc++ found, or null.</param>
/// <param name="HasRequiredGlibcxx">True when <paramref name="LibStdCxx"/> exports <see cref="TorchRuntime.RequiredGlibcxx"/>.</param>
/// <param name="LibTorch">libtorch's CPU library found beside the application or on the library path, or null.</param>
/// <param name="Backend">The <c>TorchBackend</c> recorded at build time (<see cref="TorchRuntime.TorchBackend"/>).</param>
internal sealed record TorchNativeFacts(bool IsLinux, string? LibStdCxx, bool HasRequiredGlibcxx, string? LibTorch, string Backend)
{
    /// <summary>The facts of this process and machine.</summary>
    public static TorchNativeFacts Probe()
    {
        var lib = OperatingSystem.IsLinux() ? LibStdCxxProbe.FindLibrary() : null;
        var hasSymbol = lib is not null && LibStdCxxProbe.HasVersion(lib, TorchRuntime.RequiredGlibcxx);
        return new TorchNativeFacts(OperatingSystem.IsLinux(), lib, hasSymbol, FindLibTorch(), TorchRuntime.TorchBackend);
    }

    // Where the runtime looks for an app's native libraries: its own folder, the runtimes/<rid>/native folder of a
    // platform-neutral build, and (Linux) LD_LIBRARY_PATH.
    private static string? FindLibTorch()
    {
        var file = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        var folders = new List<string>
        {
            AppContext.BaseDirectory,
            Path.Combine(AppContext.BaseDirectory, "runtimes", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier, "native"),
        };
        if (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") is { Length: > 0 } paths)
            folders.AddRange(paths.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return folders.Select(f => Path.Combine(f, file)).FirstOrDefault(File.Exists);
    }
}
