using System.Runtime.InteropServices;

namespace CnnMl.Runtime;

/// <summary>
/// The message of <see cref="TorchNativeLibraryException"/>: what is missing and how to add it, written for an
/// application that references the CnnMl package (which, like TorchSharp, brings no libtorch) as much as for this
/// repository's own builds.
/// </summary>
internal static class TorchLoadAdvice
{
    /// <summary>The libtorch version TorchSharp 0.107 is built against, as its native packages are numbered.</summary>
    public const string LibTorchPackageVersion = "2.10.0";

    /// <summary>The TorchSharp version CnnMl is built against (its TorchSharp-cpu bundle has the same number).</summary>
    public const string TorchSharpVersion = "0.107.0";

    /// <summary>Explains <paramref name="failure"/> from <paramref name="facts"/>; TorchSharp's first line ends it as the cause.</summary>
    public static string Describe(Exception failure, TorchNativeFacts facts)
    {
        var parts = new List<string> { "TorchSharp's native library (libtorch) could not be loaded." };
        var glibcxxMissing = facts.IsLinux && !facts.HasRequiredGlibcxx;
        if (glibcxxMissing) parts.Add(GlibcxxAdvice(facts.LibStdCxx));
        if (facts.LibTorch is null)
            parts.Add(facts.Backend == "system" ? SystemLibTorchAdvice() : PackageAdvice());
        else if (!glibcxxMissing)
            parts.Add($"A libtorch was found ({facts.LibTorch}) but did not load: TorchSharp {TorchSharpVersion} needs libtorch {LibTorchPackageVersion} " +
                      "built for this platform; check that no other libtorch version is referenced or on the library path.");
        parts.Add($"Cause: {FirstLine(failure)}");
        return string.Join(" ", parts);
    }

    /// <summary>The package to add on this platform, and the others.</summary>
    public static string PackageAdvice()
    {
        var here = RuntimeInformation.RuntimeIdentifier switch
        {
            "win-x64" => "libtorch-cpu-win-x64",
            "osx-arm64" => "libtorch-cpu-osx-arm64",
            _ => "libtorch-cpu-linux-x64",
        };
        return "The application must reference a libtorch package, as TorchSharp asks (the CnnMl package, like TorchSharp, brings none): " +
               $"for example 'dotnet add package {here} --version {LibTorchPackageVersion}'. " +
               $"The CPU packages are libtorch-cpu-linux-x64, libtorch-cpu-win-x64 and libtorch-cpu-osx-arm64 ({LibTorchPackageVersion}, one platform each), " +
               $"or TorchSharp-cpu {TorchSharpVersion} for all three (about 1.2 GB); for CUDA, a CUDA libtorch {LibTorchPackageVersion} package for TorchSharp {TorchSharpVersion}. " +
               $"An installed libtorch {LibTorchPackageVersion} (such as a PyTorch 2.10 installation's torch/lib) also works when its folder is on LD_LIBRARY_PATH.";
    }

    private static string GlibcxxAdvice(string? libStdCxx) =>
        $"On Linux, TorchSharp {TorchSharpVersion}'s libLibTorchSharp.so needs {TorchRuntime.RequiredGlibcxx} (libstdc++ from GCC 13 or newer), " +
        $"and this system's libstdc++ ({libStdCxx ?? "not found"}) lacks it. Debian 12 ships 3.4.30: add a Debian 13 (trixie) apt source, " +
        "pin it low (a file in /etc/apt/preferences.d with 'Package: *', 'Pin: release n=trixie', 'Pin-Priority: 100') so nothing else upgrades, " +
        "then run 'apt-get update && apt-get install -t trixie libstdc++6' (in a clone of CnnMl's repository, scripts/setup.sh does exactly this). " +
        "Ubuntu 24.04, Debian 13 and Fedora 39 or newer have it already.";

    private static string SystemLibTorchAdvice() =>
        "This build of CnnMl references no libtorch package (TorchBackend=system): put the lib folder of an installed libtorch " +
        $"{LibTorchPackageVersion} on LD_LIBRARY_PATH (for example a PyTorch 2.10 installation's torch/lib: " +
        "export LD_LIBRARY_PATH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib), or build without -p:TorchBackend=system.";

    private static string FirstLine(Exception ex)
    {
        var inner = ex is TypeInitializationException { InnerException: { } ie } ? ie : ex;
        var text = inner.Message;
        var newline = text.IndexOf('\n');
        return $"{inner.GetType().Name}: {(newline < 0 ? text : text[..newline].TrimEnd())}";
    }
}
