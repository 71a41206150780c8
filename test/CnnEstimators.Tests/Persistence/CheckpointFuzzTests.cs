using System.Diagnostics;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.Persistence;

/// <summary>
/// 500 damaged checkpoints (fixed seed; see <see cref="CheckpointMutator"/>), half from a training checkpoint and
/// half from a model checkpoint of mnist-cnn: each load ends in <see cref="InvalidDataException"/> naming the file —
/// never another exception, a crash, a hang, or a model.
/// </summary>
[TestClass]
public sealed class CheckpointFuzzTests
{
    private const int Cases = 500;
    private const int Seed = 20261128;
    private static readonly TimeSpan CaseTimeLimit = TimeSpan.FromSeconds(20);

    private static TemporaryFolder _folder = null!;
    private static byte[] _training = null!;
    private static byte[] _model = null!;

    [ClassInitialize]
    public static void WriteValidCheckpoints(TestContext _)
    {
        _folder = new TemporaryFolder("cnnml-fuzz");
        var ml = new MLContext(seed: 4);
        var trainingPath = _folder.File("valid-training.ckpt");
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 1,
            BatchSize = 32,
            ReportEveryBatches = 0,
            Checkpoints = { Path = trainingPath },
        }).Fit(SyntheticImages.Create(64, seed: 5));
        var modelPath = _folder.File("valid-model.ckpt");
        model.SaveCheckpoint(modelPath);
        _training = File.ReadAllBytes(trainingPath);
        _model = File.ReadAllBytes(modelPath);
        // Both load: every failure below comes from the mutation.
        using (CnnTransformer.Load(trainingPath)) { }
        using (CnnTransformer.Load(modelPath)) { }
    }

    [ClassCleanup]
    public static void Cleanup() => _folder.Dispose();

    [TestMethod]
    public void EveryDamagedCheckpointEndsInInvalidDataExceptionNamingTheFile()
    {
        var mutator = new CheckpointMutator(new Random(Seed));
        var failures = new List<string>();
        var families = new Dictionary<string, int>();
        var defects = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < Cases; i++)
        {
            var (description, bytes, resealed) = mutator.Mutate(i % 2 == 0 ? _training : _model);
            var family = description.Split(':')[0];
            families[family] = families.GetValueOrDefault(family) + 1;
            var path = _folder.File($"fuzz-{i:D3}.ckpt");
            File.WriteAllBytes(path, bytes);

            var started = clock.Elapsed;
            var load = Task.Run(() => Outcome(path));
            if (!load.Wait(CaseTimeLimit))
            {
                failures.Add($"case {i} ({description}): no answer within {CaseTimeLimit.TotalSeconds} s");
                continue;
            }
            slowest = TimeSpan.FromTicks(Math.Max(slowest.Ticks, (clock.Elapsed - started).Ticks));
            var (problem, message) = load.Result;
            if (problem is not null) failures.Add($"case {i} ({description}): {problem}");
            else if (resealed && message!.Contains("checksum mismatch", StringComparison.Ordinal))
                failures.Add($"case {i} ({description}): re-sealed, yet refused by the checksum: {message}");
            else
            {
                var defect = DefectKind(message!);
                defects[defect] = defects.GetValueOrDefault(defect) + 1;
            }
            File.Delete(path);
        }
        clock.Stop();

        Console.WriteLine($"{Cases} cases in {clock.Elapsed.TotalSeconds:F1} s (slowest {slowest.TotalMilliseconds:F0} ms); mutations: " +
                          string.Join(", ", families.OrderByDescending(f => f.Value).Select(f => $"{f.Key} {f.Value}")));
        Console.WriteLine($"{defects.Count} different defects reported; most frequent: " +
                          string.Join("; ", defects.OrderByDescending(d => d.Value).Take(8).Select(d => $"{d.Key} ({d.Value})")));
        Assert.IsEmpty(failures, $"{failures.Count} of {Cases} cases failed:\n" + string.Join("\n", failures.Take(30)));
        Assert.IsGreaterThan(20, defects.Count, "the cases reach many different checks, not only the seal");
        Assert.IsLessThan(30.0, clock.Elapsed.TotalSeconds, "the fuzz run stays fast");
    }

    /// <summary>Null problem and the message when loading threw InvalidDataException naming the file; otherwise what went wrong.</summary>
    private static (string? Problem, string? Message) Outcome(string path)
    {
        try
        {
            using var loaded = CnnTransformer.Load(path);
            return ("loaded without an error", null);
        }
        catch (InvalidDataException e)
        {
            return e.Message.Contains(Path.GetFileName(path), StringComparison.Ordinal)
                ? (null, e.Message)
                : ($"the message does not name the file: {e.Message}", null);
        }
        catch (Exception e)
        {
            return ($"{e.GetType().Name} instead of InvalidDataException: {e.Message}", null);
        }
    }

    /// <summary>The defect without the path and numbers, to count how many different checks fired.</summary>
    private static string DefectKind(string message)
    {
        var defect = message[(message.IndexOf("cannot be loaded: ", StringComparison.Ordinal) + 18)..];
        var words = defect.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(5).Select(w => w.Any(char.IsDigit) || w.Contains('\'') ? "…" : w);
        return string.Join(' ', words);
    }
}
