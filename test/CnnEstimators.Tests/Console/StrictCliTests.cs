using CnnMl.Tests.Support;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// The console's command line is strict and conventional (issue 9, "Strict CLI"): usage errors exit 2 with one
/// line on stderr before any work, runtime failures exit 1 with one line (a stack trace only with --verbose),
/// output paths are checked before training, and --help lists every option with its default. The first test runs
/// cnnml as a process (exit code, stderr and CPU time as a shell sees them); the others run the same command line in
/// process (<see cref="CnnmlInProcess"/>), where "no work done" is an empty stdout, no file written and no time spent.
/// </summary>
[TestClass]
public sealed class StrictCliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    // Loading .NET, Spectre.Console and the command types costs ~0.2 s of CPU; training anything costs tens of seconds.
    private static readonly TimeSpan UsageErrorCpuBudget = TimeSpan.FromSeconds(1);

    private string _folder = "";

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("cnnml-cli-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public void Unknown_option_exits_2_with_one_line_naming_the_closest_option_before_any_work()
    {
        var model = Path.Combine(_folder, "model.zip");
        var run = CnnmlProcess.Run(Timeout, "train", "--epoch", "1", "--train-limit", "500", "--out", model);

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        var line = SingleErrorLine(run);
        StringAssert.Contains(line, "unknown option '--epoch'", run.ToString());
        StringAssert.Contains(line, "did you mean '--epochs'?", run.ToString());
        Assert.AreEqual("", run.StandardOutput, "Nothing may start: no banner, no data loading, no training line.");
        Assert.IsFalse(File.Exists(model), "No model may be written.");
        AssertNoWorkDone(run);
    }

    [TestMethod]
    public void Unknown_command_and_mistyped_flag_name_the_closest_valid_ones()
    {
        var command = CnnmlInProcess.Run("trian", "--epochs", "1");
        Assert.AreEqual(2, command.ExitCode, command.ToString());
        StringAssert.Contains(SingleErrorLine(command), "unknown command 'trian'; did you mean 'train'?");

        var flag = CnnmlInProcess.Run("architectures", "--vrebose");
        Assert.AreEqual(2, flag.ExitCode, flag.ToString());
        StringAssert.Contains(SingleErrorLine(flag), "unknown option '--vrebose' for 'cnnml architectures'; did you mean '--verbose'?");
    }

    [TestMethod]
    [DataRow("--epochs abc", "--epochs expects a whole number, got 'abc'")]
    [DataRow("--epochs=abc", "--epochs expects a whole number, got 'abc'")]
    [DataRow("--lr fast", "--lr expects a number, got 'fast'")]
    [DataRow("--epochs 0", "--epochs must be at least 1 (got 0)")]
    [DataRow("--lr -1", "--lr must be positive (got -1)")]
    [DataRow("--arch lenet", "Did you mean 'lenet5'?")]
    [DataRow("--out", "--out needs a value (FILE)")]
    [DataRow("--out --epochs 1", "--out needs a value (FILE)")]
    [DataRow("--out m.zip --metrics-json m.zip", "--out and --metrics-json name the same file")]
    public void Bad_value_exits_2_with_one_line_naming_the_option(string arguments, string expected)
    {
        var args = new[] { "train" }.Concat(arguments.Split(' ')).Select(a => a == "m.zip" ? Path.Combine(_folder, a) : a).ToArray();
        var run = CnnmlInProcess.Run(args);

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.Contains(SingleErrorLine(run), expected, run.ToString());
        Assert.AreEqual("", run.StandardOutput, run.ToString());
        AssertNoWorkDone(run);
    }

    [TestMethod]
    public void Other_commands_reject_bad_values_the_same_way()
    {
        var predict = CnnmlInProcess.Run("predict", "--model", "m.zip", "digit.gif");
        Assert.AreEqual(2, predict.ExitCode, predict.ToString());
        StringAssert.Contains(SingleErrorLine(predict), "'digit.gif' is not an image cnnml predict reads");

        var missing = CnnmlInProcess.Run("export", "--model", "m.zip");
        Assert.AreEqual(2, missing.ExitCode, missing.ToString());
        StringAssert.Contains(SingleErrorLine(missing), "missing required option 'onnx'");

        var shape = CnnmlInProcess.Run("summary", "--input", "1x28xbig");
        Assert.AreEqual(2, shape.ExitCode, shape.ToString());
        StringAssert.Contains(SingleErrorLine(shape), "--input 1x28xbig");
    }

    [TestMethod]
    public void Unwritable_output_path_exits_1_before_training()
    {
        var missingFolder = Path.Combine(_folder, "no-such-folder", "model.zip");
        // /proc refuses new files even to root, which ignores permission bits.
        var unwritable = "/proc/cnnml-metrics.json";
        var cases = new (string[] Args, string Expected)[]
        {
            (["train", "--out", missingFolder], $"the folder '{Path.GetDirectoryName(missingFolder)}' does not exist"),
            (["train", "--metrics-json", unwritable], "--metrics-json /proc/cnnml-metrics.json: cannot write in '/proc'"),
            (["train", "--checkpoint", _folder], "is a folder"),
            (["evaluate", "--model", "m.zip", "--metrics-json", missingFolder], "does not exist"),
            (["predict", "--model", "m.zip", "a.png", "--json", unwritable], "cannot write in '/proc'"),
            (["export", "--model", "m.zip", "--onnx", _folder], "is a folder"),
        };
        foreach (var (args, expected) in cases)
        {
            var run = CnnmlInProcess.Run(args);
            Assert.AreEqual(1, run.ExitCode, run.ToString());
            StringAssert.Contains(SingleErrorLine(run), expected, run.ToString());
            Assert.IsFalse(run.StandardOutput.Contains("Training", StringComparison.Ordinal), "The path is checked before training starts.\n" + run);
            AssertNoWorkDone(run);
        }
        Assert.AreEqual(0, Directory.GetFileSystemEntries(_folder).Length, "The write check leaves nothing behind.");
    }

    [TestMethod]
    public void Runtime_failure_is_one_line_on_stderr_and_the_stack_trace_needs_verbose()
    {
        var damaged = Path.Combine(_folder, "damaged.zip");
        File.WriteAllText(damaged, "not a zip");

        var plain = CnnmlInProcess.Run("evaluate", "--model", damaged);
        Assert.AreEqual(1, plain.ExitCode, plain.ToString());
        var line = SingleErrorLine(plain);
        StringAssert.StartsWith(line, "cnnml: error: ");
        StringAssert.Contains(line, "damaged or is not an ML.NET model zip");
        Assert.IsFalse(plain.StandardOutput.Contains("error", StringComparison.OrdinalIgnoreCase), "Errors go to stderr only.\n" + plain);

        var verbose = CnnmlInProcess.Run("evaluate", "--model", damaged, "--verbose");
        Assert.AreEqual(1, verbose.ExitCode, verbose.ToString());
        Assert.AreEqual(line, verbose.ErrorLines[0], "The same first line.");
        Assert.IsTrue(verbose.ErrorLines.Length > 3, verbose.ToString());
        Assert.IsTrue(verbose.ErrorLines.Any(l => l.StartsWith("at CnnMl.", StringComparison.Ordinal)), "--verbose prints the stack trace.\n" + verbose);
        Assert.IsFalse(plain.StandardError.Contains(" at ", StringComparison.Ordinal), plain.ToString());
    }

    [TestMethod]
    public void Help_of_every_command_lists_its_options_with_their_defaults()
    {
        var expected = new Dictionary<string, string[]>
        {
            ["train"] = ["--arch <NAME>  mnist-cnn", "--epochs <N>  3", "--batch-size <N>  64", "--lr <RATE>  0.001", "--seed <N>  1",
                "--report-every <N>  100", "--validate-every <N>  0", "--out <FILE>", "--checkpoint <FILE>", "--resume <FILE>", "--metrics-json <FILE>", "--plots <DIR>", "--verbose",
                "--images <DIR>", "--test-images <DIR>", "--test-fraction <F>  0.2", "--input <SHAPE>", "--normalize <NAME>  none"],
            ["evaluate"] = ["--model <FILE>", "--data <DIR>", "--images <DIR>", "--test-limit <N>", "--metrics-json <FILE>", "--plots <DIR>", "--verbose"],
            ["compare"] = ["--archs <LIST>", "--epochs <N>  1", "--batch-size <N>  64", "--lr <RATE>  0.001", "--seed <N>  1", "--train-limit <N>",
                "--test-limit <N>", "--input <SHAPE>", "--threads <N>", "--json <FILE>", "--plots <DIR>", "--verbose"],
            ["predict"] = ["<IMAGES>", "--model <FILE>", "--top <N>  3", "--json <FILE>", "--verbose"],
            ["export"] = ["--model <FILE>", "--onnx <FILE>", "--verbose"],
            ["summary"] = ["--arch <NAME>  mnist-cnn", "--input <SHAPE>", "--classes <N>", "--json <FILE>", "--verbose"],
            ["bench"] = ["--sections <LIST>", "--arch <LIST>", "--images <N>  1920", "--repeats <N>  5", "--batch-size <N>  64", "--threads <N>  2", "--onednn <MODE>  auto", "--json <FILE>", "--verbose"],
            ["conv-demo"] = ["--plots <DIR>", "--verbose"],
            ["architectures"] = ["--verbose"],
            ["data"] = ["<DATASET>", "--data <DIR>", "--verbose"],
        };
        foreach (var (command, options) in expected)
        {
            var run = CnnmlInProcess.Run(command, "--help");
            Assert.AreEqual(0, run.ExitCode, run.ToString());
            // Spectre pads the option and default columns: compare with runs of spaces collapsed to two.
            var help = System.Text.RegularExpressions.Regex.Replace(run.StandardOutput, " {2,}", "  ");
            foreach (var option in options)
                StringAssert.Contains(help, option, $"cnnml {command} --help\n{run.StandardOutput}");
        }
    }

    private static string SingleErrorLine(CnnmlRun run)
    {
        Assert.AreEqual(1, run.ErrorLines.Length, "Exactly one line on stderr.\n" + run);
        return run.ErrorLines[0];
    }

    private static void AssertNoWorkDone(CnnmlRun run)
    {
        if (run.CpuTime is { } cpu)
            Assert.IsTrue(cpu < UsageErrorCpuBudget, $"The console spent {cpu.TotalSeconds:F2} s of CPU: it did more than parse its arguments.\n{run}");
        Assert.IsTrue(run.Elapsed < TimeSpan.FromSeconds(30), run.ToString());
    }
}
