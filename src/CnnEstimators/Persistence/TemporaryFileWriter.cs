using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CnnMl.Persistence;

/// <summary>
/// Who wrote a temporary file of <see cref="AtomicFile"/>: the writer's process id and a scope (a hash of the machine
/// name and, on Linux, the pid namespace) are part of the file's name, so that a later save can tell the leftovers of a
/// killed writer (SIGKILL, power loss: no <c>finally</c> ran) from the file of a writer still at work. A file is stale
/// only when its scope is this process's and no process with its id runs here; anything else — another machine or
/// container sharing the folder, a name of another form — is left alone.
/// </summary>
internal static partial class TemporaryFileWriter
{
    private static readonly Lazy<string> CurrentScope = new(ComputeScope);

    /// <summary>The name part that identifies this process as the writer, e.g. <c>w4711-1a2b3c4d</c>.</summary>
    public static string CurrentTag => Tag(Environment.ProcessId, CurrentScope.Value);

    /// <summary>The name part for a writer <paramref name="processId"/> in <paramref name="scope"/> (tests fake dead writers with it).</summary>
    public static string Tag(int processId, string scope) => string.Create(CultureInfo.InvariantCulture, $"w{processId}-{scope}");

    /// <summary>This process's scope: 8 hex digits.</summary>
    public static string Scope => CurrentScope.Value;

    /// <summary>
    /// True when <paramref name="fileName"/> is a temporary file of <see cref="AtomicFile"/> whose writer ran in this
    /// scope and is gone. A zombie (killed, not yet reaped by its parent) still counts as running.
    /// </summary>
    public static bool IsStale(string fileName)
    {
        var match = TemporaryName().Match(fileName);
        if (!match.Success || match.Groups["scope"].Value != CurrentScope.Value) return false;
        if (!int.TryParse(match.Groups["pid"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return false;
        return pid != Environment.ProcessId && !IsRunning(pid);
    }

    private static bool IsRunning(int processId)
    {
        // With /proc mounted hidepid, other users' processes are invisible (and /proc/1 with them): then nothing is stale.
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{processId}") || !Directory.Exists("/proc/1");
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string ComputeScope()
    {
        var identity = Environment.MachineName;
        // Containers sharing a folder see each other's process ids as unrelated: the pid namespace tells them apart.
        if (OperatingSystem.IsLinux())
        {
            try
            {
                identity += "|" + new FileInfo("/proc/self/ns/pid").LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)).AsSpan(0, 4));
    }

    // .cnnml-<target file name>.w<pid>-<scope>.<random>.tmp
    [GeneratedRegex(@"^\.cnnml-.+\.w(?<pid>[0-9]{1,10})-(?<scope>[0-9a-f]{8})\.[a-z0-9]{8}\.[a-z0-9]{3}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();
}
