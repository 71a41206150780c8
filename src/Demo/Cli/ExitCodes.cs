namespace CnnMl.Demo.Cli;

/// <summary>The exit codes of <c>cnnml</c>, as shells and CI read them.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>A runtime failure: a missing or damaged file, an unwritable output path, a training error.</summary>
    public const int Failure = 1;

    /// <summary>A usage error: an unknown command or option, or a bad value; nothing was started.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted by Ctrl+C (SIGINT): 128 + signal number 2, the shell convention.</summary>
    public const int Canceled = 130;
}
