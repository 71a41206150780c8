using System.Diagnostics;
using System.Globalization;
using CnnMl.Tests.ConsoleApp;

namespace CnnMl.Tests.Serving;

/// <summary>
/// <c>cnnml serve</c> as its own process stops on SIGTERM, the signal <c>docker stop</c> and <c>systemctl stop</c> send:
/// before, the host's console lifetime took the signal (so the runtime did not end the process) while the command
/// waited for Ctrl+C alone, and the server kept serving until SIGKILL.
/// </summary>
[TestClass]
public sealed class ServeSignalTests
{
    [TestMethod]
    public async Task SigtermStopsTheServerAndTheProcessExitsZero()
    {
        using var process = CnnmlProcess.Start("serve", "--model", ServingModels.Get().VectorModel, "--urls", "http://127.0.0.1:0");
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            // The first line names the bound address once the server listens.
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            StringAssert.StartsWith(line, "Serving ", $"stderr: {(process.HasExited ? await stderr : "")}");
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            var rest = process.StandardOutput.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            Assert.IsTrue(process.WaitForExit(TimeSpan.FromSeconds(30)), "cnnml serve still runs 30 s after SIGTERM");
            Console.WriteLine($"exited {clock.Elapsed.TotalSeconds:F2} s after SIGTERM");
            Assert.AreEqual(0, process.ExitCode, await stderr);
            StringAssert.Contains(await rest, "Stopped.");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
