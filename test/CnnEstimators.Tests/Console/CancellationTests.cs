using System.Diagnostics;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// Ctrl+C cancels through the CancellationToken (issue 9, "Strict CLI"): SIGINT during training stops it within a
/// batch, prints "cancelled", exits 130 and leaves no output file, not even a partial or temporary one.
/// </summary>
[TestClass]
public sealed class CancellationTests
{
    [TestMethod]
    public void Sigint_during_training_stops_within_a_batch_exits_130_and_leaves_no_output()
    {
        var data = TestPaths.RequireMnist();
        var folder = Directory.CreateTempSubdirectory("cnnml-sigint-").FullName;
        try
        {
            // A run far longer than the test: 3 epochs of 20,000 images, a progress line after every batch.
            using var process = CnnmlProcess.Start(
                "train", "--epochs", "3", "--train-limit", "20000", "--test-limit", "500", "--threads", "1", "--report-every", "1", "--data", data,
                "--out", Path.Combine(folder, "model.zip"), "--metrics-json", Path.Combine(folder, "metrics.json"));
            var progressLines = 0;
            var firstProgress = new TaskCompletionSource();
            var stdout = new List<string>();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (stdout) stdout.Add(e.Data);
                if (!e.Data.StartsWith("epoch ", StringComparison.Ordinal)) return;
                Interlocked.Increment(ref progressLines);
                firstProgress.TrySetResult();
            };
            var stderr = process.StandardError.ReadToEndAsync();
            process.BeginOutputReadLine();

            Assert.IsTrue(firstProgress.Task.Wait(TimeSpan.FromMinutes(5)), "no progress line within 5 minutes:\n" + string.Join('\n', stdout));
            var linesAtSignal = Volatile.Read(ref progressLines);
            var clock = Stopwatch.StartNew();
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();

            Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(2)), "cnnml did not stop within 2 minutes of SIGINT");
            process.WaitForExit(); // drains stdout
            var stopSeconds = clock.Elapsed.TotalSeconds;
            var after = Volatile.Read(ref progressLines) - linesAtSignal;
            var output = string.Join('\n', stdout);
            Console.WriteLine($"stopped {stopSeconds:F2} s after SIGINT; {after} progress line(s) after it; stderr: {stderr.Result.Trim()}");

            Assert.AreEqual(130, process.ExitCode, $"{output}\n{stderr.Result}");
            CollectionAssert.AreEqual(new[] { "cnnml: cancelled" }, stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                "one line on stderr, no stack trace");
            // Training checks the token before every batch: at most the batch running when the signal came finishes (and
            // its line may still have been in the pipe), where an uncancelled run would print ~940 more.
            Assert.IsLessThanOrEqualTo(2, after, output);
            Assert.IsFalse(output.Contains("ML.NET evaluation", StringComparison.Ordinal), "nothing after training runs");
            Assert.IsEmpty(Directory.GetFileSystemEntries(folder), "no model, no metrics, no temporary file is left");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
