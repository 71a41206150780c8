using System.Diagnostics;
using System.Runtime.InteropServices;
using CnnMl.Persistence;
using CnnMl.Tests.Support;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// Ctrl+C cancels through the CancellationToken (issue 9, "Strict CLI"): SIGINT during training stops it within a
/// batch, prints "canceled", exits 130 and leaves no output file, not even a partial or temporary one. SIGINT during
/// the model write lets the atomic save finish, then stops the same way: the model file is complete, nothing else is
/// written, no temporary file remains. SIGKILL during the write (nothing can clean up) leaves the temporary file, and
/// the next save into that folder deletes it.
/// </summary>
[TestClass]
public sealed class CancellationTests
{
    private const int Sigint = 2;
    private const int Attempts = 5;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

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
            CollectionAssert.AreEqual(new[] { "cnnml: canceled" }, stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                "one line on stderr, no stack trace");
            // Training checks the token before every batch: at most the batch running when the signal came finishes (and
            // its line may still have been in the pipe), where an uncanceled run would print ~940 more.
            Assert.IsLessThanOrEqualTo(2, after, output);
            Assert.IsFalse(output.Contains("ML.NET evaluation", StringComparison.Ordinal), "nothing after training runs");
            Assert.IsEmpty(Directory.GetFileSystemEntries(folder), "no model, no metrics, no temporary file is left");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void Sigint_during_the_model_write_lets_the_atomic_save_finish_then_exits_130_and_leaves_no_partial_file()
    {
        var data = TestPaths.RequireMnist();
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            using var folder = new TemporaryFolder("cnnml-sigint-save");
            var model = folder.File("model.zip");
            using var run = ModelWrite.Start(data, folder);
            Assert.AreEqual(0, kill(run.Process.Id, Sigint), "kill(2) failed");
            // Still there after the signal was sent: the signal arrived while the write was under way.
            var duringWrite = File.Exists(run.Temporary);
            var (exitCode, output, errors) = run.Finish();
            if (!duringWrite)
            {
                Console.WriteLine($"attempt {attempt}: the write finished before the signal arrived; again");
                continue;
            }
            Console.WriteLine($"attempt {attempt}: SIGINT while {Path.GetFileName(run.Temporary)} was being written; exit {exitCode}");

            Assert.AreEqual(130, exitCode, $"{output}\n{errors}");
            CollectionAssert.AreEqual(new[] { "cnnml: canceled" }, errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                "one line on stderr, no stack trace");
            // The save finished and nothing was written after it: no consumption code, no metrics, no temporary file.
            CollectionAssert.AreEqual(new[] { "model.zip" }, folder.FileNames(), output);
            var loaded = new Microsoft.ML.MLContext().Model.LoadVerified(model, out var schema);
            Assert.AreEqual("Image", schema[1].Name, "the complete model loads with its checks");
            (loaded as IDisposable)?.Dispose();
            return;
        }
        Assert.Fail($"In {Attempts} runs the model write always finished before SIGINT arrived.");
    }

    [TestMethod]
    public void Sigkill_during_the_model_write_leaves_a_temporary_file_that_the_next_save_in_the_folder_deletes()
    {
        var data = TestPaths.RequireMnist();
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            using var folder = new TemporaryFolder("cnnml-sigkill-save");
            using var run = ModelWrite.Start(data, folder);
            // Once ML.NET has started writing the zip's entries into it, as in the probe (which found ~450 KB left behind).
            while (run.TemporaryLength() == 0) Thread.Sleep(1);
            run.Process.Kill(); // SIGKILL: no finally block, no handler runs
            run.Finish();
            if (!File.Exists(run.Temporary))
            {
                Console.WriteLine($"attempt {attempt}: the write finished before SIGKILL; again");
                continue;
            }
            // What probing found: the killed writer's temporary file stays (nothing else was written yet).
            CollectionAssert.AreEqual(new[] { Path.GetFileName(run.Temporary) }, folder.FileNames());
            Assert.IsGreaterThan(0L, new FileInfo(run.Temporary).Length);

            // Any later save into the folder, here of another file, finds its writer gone and deletes it.
            AtomicFile.Write(folder.File("other.bin"), stream => stream.WriteByte(1));

            CollectionAssert.AreEqual(new[] { "other.bin" }, folder.FileNames());
            return;
        }
        Assert.Fail($"In {Attempts} runs the model write always finished before SIGKILL arrived.");
    }

    /// <summary>A <c>cnnml train --out</c> run, caught while its model zip is being written (its temporary file exists).</summary>
    private sealed class ModelWrite : IDisposable
    {
        private readonly Task<string> _output;
        private readonly Task<string> _errors;

        private ModelWrite(Process process, string temporary)
        {
            Process = process;
            Temporary = temporary;
            _output = process.StandardOutput.ReadToEndAsync();
            _errors = process.StandardError.ReadToEndAsync();
        }

        public Process Process { get; }

        /// <summary>The save's temporary file, as first seen.</summary>
        public string Temporary { get; private set; } = "";

        /// <summary>Starts a short training run saving to folder/model.zip and returns once the save's temporary file exists.</summary>
        public static ModelWrite Start(string data, TemporaryFolder folder)
        {
            var process = CnnmlProcess.Start("train", "--epochs", "1", "--train-limit", "128", "--test-limit", "100", "--threads", "1", "--report-every", "0",
                "--data", data, "--out", folder.File("model.zip"), "--metrics-json", folder.File("metrics.json"));
            var run = new ModelWrite(process, "");
            var clock = Stopwatch.StartNew();
            // The save's temporary file lives from the start of the zip (the ONNX export and its check run inside it) to
            // the rename: look for it every millisecond or so.
            while (clock.Elapsed < TimeSpan.FromMinutes(5))
            {
                var temporary = Directory.GetFiles(folder.Path, ".cnnml-model.zip.*.tmp").FirstOrDefault();
                if (temporary is not null)
                {
                    run.Temporary = temporary;
                    return run;
                }
                if (process.HasExited) Assert.Fail($"cnnml ended before writing its model: exit {process.ExitCode}\n{run._output.Result}\n{run._errors.Result}");
                Thread.Sleep(1);
            }
            process.Kill(entireProcessTree: true);
            Assert.Fail("cnnml did not start writing its model within 5 minutes.");
            return run;
        }

        /// <summary>The temporary file's length so far, or null once it is gone (renamed or deleted).</summary>
        public long? TemporaryLength()
        {
            try
            {
                return new FileInfo(Temporary).Length;
            }
            catch (FileNotFoundException)
            {
                return null;
            }
        }

        /// <summary>Waits for the process to end; its exit code and output.</summary>
        public (int ExitCode, string Output, string Errors) Finish()
        {
            Assert.IsTrue(Process.WaitForExit(TimeSpan.FromMinutes(2)), "cnnml did not end within 2 minutes of the signal");
            Process.WaitForExit();
            return (Process.ExitCode, _output.Result, _errors.Result);
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }
}
