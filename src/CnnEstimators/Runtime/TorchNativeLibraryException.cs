namespace CnnMl.Runtime;

/// <summary>
/// Thrown by the first call into CnnMl that needs TorchSharp when TorchSharp's native library
/// (libLibTorchSharp / libtorch) cannot be loaded. The message names the cause and the fix;
/// TorchSharp's own load trace is kept as <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class TorchNativeLibraryException : InvalidOperationException
{
    /// <summary>Creates the exception with a ready-made message and the original failure.</summary>
    public TorchNativeLibraryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
