using System.Text.Json;
using System.Text.RegularExpressions;
using CnnMl.Data;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// The consumption code <c>cnnml train --out</c> writes beside the zip (<c>NAME.consume.cs</c>, Model Builder style),
/// for an image-folder model (its input: the image file's bytes) and an MNIST-vector model (784 floats), compiled into a
/// new console project that references exactly the packages the image model's header names (the MNIST header's are a
/// subset) and no CnnMl, built with warnings as errors, and run in one process: every prediction equals the one the test process gets for the same
/// file (plain ML.NET, <c>LoadImages</c> of the path) or digit (the library's <c>CnnTransformer</c>), and 8 threads
/// calling both models at once (4,000 calls) give exactly the single-threaded labels and scores. One build and one run
/// for all the checks (they are the expensive part: about 30 s of CPU for the build).
/// </summary>
/// <remarks>
/// Before the engine pool, the generated <c>Predict</c> shared one <c>PredictionEngine</c>: from 8 threads it returned
/// 4–10 wrong labels in 2,000 calls and then aborted the process (<c>double free or corruption</c>); this test's
/// mismatch count catches the first and its exit code the second.
/// </remarks>
[TestClass]
public sealed class ConsumptionCodeTests
{
    private const int FolderDigits = 300;
    private const int Digits = 50;
    private const int Threads = 8;
    private const int CallsPerThread = 250;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(10);

    [TestMethod]
    public void Generated_code_compiles_against_the_packages_its_header_names_and_predicts_like_the_library_from_8_threads()
    {
        using var folder = new TemporaryFolder("cnnml-consume");
        var mnist = TrainedConsoleModel.Get();
        var images = Path.Combine(folder.Path, "images");
        DigitImageFiles.WriteFolder(images, MnistDataset.Load(TestPaths.RequireMnist(), MnistSplit.Train, FolderDigits), 0, FolderDigits, side: 28);
        var photosZip = folder.File("photos.zip");
        var train = CnnmlInProcess.Run("train", "--images", images, "--input", "1x28x28", "--epochs", "2", "--threads", "2", "--report-every", "0",
            "--out", photosZip);
        Assert.AreEqual(0, train.ExitCode, train.ToString());

        var photosCode = File.ReadAllText(folder.File("photos.consume.cs"));
        var mnistCode = File.ReadAllText(mnist.ConsumptionCodePath);
        var packages = HeaderPackages(photosCode);
        CollectionAssert.AreEqual(new[] { "Microsoft.ML", "Microsoft.ML.ImageAnalytics", "Microsoft.ML.OnnxTransformer", "Microsoft.ML.OnnxRuntime" },
            packages.Select(p => p.Id).ToArray(), "the image model's header names ImageAnalytics too");
        CollectionAssert.IsSubsetOf(HeaderPackages(mnistCode), packages, "the MNIST model needs no package the image model's project lacks");
        AssertEveryPropertyDocumented(photosCode);
        AssertEveryPropertyDocumented(mnistCode);
        StringAssert.Contains(photosCode, "public byte[] ImageSource { get; set; }");
        StringAssert.Contains(mnistCode, "[ColumnName(\"Image\"), VectorType(784)]");

        // The project: the two generated files, a program, and exactly the header's packages.
        var app = Directory.CreateDirectory(folder.File("app")).FullName;
        File.WriteAllText(Path.Combine(app, "App.csproj"), Project(packages));
        File.WriteAllText(Path.Combine(app, "photos.consume.cs"), photosCode);
        File.WriteAllText(Path.Combine(app, "model.consume.cs"), mnistCode);
        File.WriteAllText(Path.Combine(app, "Program.cs"), Program);
        var dotnet = ExternalCommand.DotnetHost();
        ExternalCommand.Run(dotnet, ["build", "-c", "Release", "-nologo", "-v", "quiet", "-clp:ErrorsOnly"], app, StepTimeout).Succeeded();

        var files = Directory.GetFiles(images, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(Digits).ToArray();
        var digits = MnistDataset.Load(TestPaths.MnistDirectory, MnistSplit.Test, Digits);
        var vectors = Enumerable.Range(0, Digits).Select(i => digits.Pixels.Skip(i * 784).Take(784).Select(p => p / 255f).ToArray()).ToArray();
        File.WriteAllLines(folder.File("files.txt"), files);
        File.WriteAllText(folder.File("digits.json"), JsonSerializer.Serialize(vectors));
        var output = folder.File("out.json");
        var run = ExternalCommand.Run(dotnet, [Path.Combine(app, "bin", "Release", "net10.0", "App.dll"), photosZip, folder.File("files.txt"),
            mnist.ModelPath, folder.File("digits.json"), output], app, StepTimeout);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var result = JsonSerializer.Deserialize<ConsumerOutput>(File.ReadAllText(output))!;
        Console.WriteLine(run.StandardOutput.Trim());

        // Single-threaded: the bytes give what plain ML.NET gives for the file's path; the digits what the library gives.
        var (pathLabels, pathScores) = PathRoute(photosZip, files);
        CollectionAssert.AreEqual(pathLabels, result.PhotoLabels, "image labels: generated code (bytes) vs plain ML.NET (paths)");
        for (var i = 0; i < files.Length; i++) CollectionAssert.AreEqual(pathScores[i], result.PhotoScores[i], $"{files[i]}: Score from the bytes vs the path");
        var (libraryLabels, libraryScores) = LibraryPredictions(mnist.CheckpointPath, digits);
        CollectionAssert.AreEqual(libraryLabels, result.DigitLabels, "digit labels: generated code vs CnnTransformer");
        var worst = result.DigitScores.Zip(libraryScores, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
        Assert.IsLessThanOrEqualTo(1e-5f, worst, "digit Score vs the library's");
        Assert.AreEqual(result.PhotoLabels[0], result.PhotoFileLabel, "PredictFile reads the file's bytes");
        // Not a vacuous comparison: both models predict several classes on these inputs.
        Assert.IsGreaterThan(2, result.PhotoLabels.Distinct().Count(), $"image labels {string.Join(",", result.PhotoLabels)}");
        Assert.IsGreaterThan(3, result.DigitLabels.Distinct().Count());

        // From 8 threads at once: every call's label and Score equal the single-threaded run's.
        Assert.AreEqual(Threads * CallsPerThread * 2, result.ConcurrentCalls);
        Assert.AreEqual(0, result.ConcurrentMismatches, "calls from 8 threads that differ from the single-threaded run");

        StringAssert.Contains(result.BadBytesMessage, "ModelInput.ImageSource: 3 bytes that are not an image ML.NET decodes");
        StringAssert.Contains(result.EmptyBytesMessage, "ModelInput.ImageSource is empty");
        Assert.IsEmpty(result.Assemblies.Where(a => a.StartsWith("CnnMl", StringComparison.OrdinalIgnoreCase)).ToList(), "no CnnMl assembly");
        Assert.Contains("Microsoft.ML.ImageAnalytics", result.Assemblies);
    }

    /// <summary>The "dotnet add package ID --version V" lines of a generated file's header.</summary>
    private static List<(string Id, string Version)> HeaderPackages(string code) =>
        Regex.Matches(code, @"^//\s+dotnet add package (\S+) --version (\S+)$", RegexOptions.Multiline)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();

    // Every public property carries a doc comment of its own, and none says only "Text.".
    private static void AssertEveryPropertyDocumented(string code)
    {
        var lines = code.Split('\n').Select(l => l.Trim()).ToArray();
        var properties = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            if (!Regex.IsMatch(lines[i], @"^public [\w\[\]?]+ \w+ \{ get; set; \}")) continue;
            properties++;
            var j = i - 1;
            while (lines[j].StartsWith('[')) j--;
            StringAssert.StartsWith(lines[j], "/// <summary>", $"'{lines[i]}' has no doc comment");
            Assert.AreNotEqual("/// <summary>Text.</summary>", lines[j]);
        }
        Assert.IsGreaterThanOrEqualTo(3, properties, "the input member, PredictedLabel and Score");
    }

    private static string Project(IEnumerable<(string Id, string Version)> packages) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
          </PropertyGroup>
          <ItemGroup>
        {string.Concat(packages.Select(p => $"    <PackageReference Include=\"{p.Id}\" Version=\"{p.Version}\" />\n"))}  </ItemGroup>
        </Project>
        """;

    // Scores the files one by one, then from 8 threads at once (both models, each thread in its own order), and writes JSON.
    private const string Program = """
        using System;
        using System.IO;
        using System.Linq;
        using System.Text.Json;
        using System.Threading;
        using CnnMlModels;

        Photos.ModelPath = args[0];
        Model.ModelPath = args[2];
        var files = File.ReadAllLines(args[1]);
        var images = files.Select(File.ReadAllBytes).ToArray();
        var digits = JsonSerializer.Deserialize<float[][]>(File.ReadAllText(args[3]))!;
        var photos = images.Select(b => Photos.Predict(new Photos.ModelInput { ImageSource = b })).ToArray();
        var numbers = digits.Select(d => Model.Predict(new Model.ModelInput { Image = d })).ToArray();

        var mismatches = 0;
        var calls = 0;
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var k = 0; k < 250; k++)
            {
                var i = (t * 37 + k * 11) % images.Length;
                var photo = Photos.Predict(new Photos.ModelInput { ImageSource = images[i] });
                if (photo.PredictedLabel != photos[i].PredictedLabel || !photo.Score.SequenceEqual(photos[i].Score)) Interlocked.Increment(ref mismatches);
                var j = (t * 13 + k * 7) % digits.Length;
                var number = Model.Predict(new Model.ModelInput { Image = digits[j] });
                if (number.PredictedLabel != numbers[j].PredictedLabel || !number.Score.SequenceEqual(numbers[j].Score)) Interlocked.Increment(ref mismatches);
                Interlocked.Add(ref calls, 2);
            }
        })).ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Console.WriteLine($"{calls} calls from 8 threads in {clock.Elapsed.TotalSeconds:F1} s: {mismatches} differ from the single-threaded run");

        string Refusal(byte[] bytes)
        {
            try { Photos.Predict(new Photos.ModelInput { ImageSource = bytes }); return ""; }
            catch (ArgumentException e) { return e.Message; }
        }

        File.WriteAllText(args[4], JsonSerializer.Serialize(new
        {
            PhotoLabels = photos.Select(p => p.PredictedLabel).ToArray(),
            PhotoScores = photos.Select(p => p.Score).ToArray(),
            DigitLabels = numbers.Select(p => p.PredictedLabel).ToArray(),
            DigitScores = numbers.Select(p => p.Score).ToArray(),
            PhotoFileLabel = Photos.PredictFile(files[0]).PredictedLabel,
            ConcurrentCalls = calls,
            ConcurrentMismatches = mismatches,
            BadBytesMessage = Refusal([1, 2, 3]),
            EmptyBytesMessage = Refusal([]),
            Assemblies = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).ToArray(),
        }));
        """;

    private sealed class ConsumerOutput
    {
        public string[] PhotoLabels { get; init; } = [];
        public float[][] PhotoScores { get; init; } = [];
        public string[] DigitLabels { get; init; } = [];
        public float[][] DigitScores { get; init; } = [];
        public string PhotoFileLabel { get; init; } = "";
        public int ConcurrentCalls { get; init; }
        public int ConcurrentMismatches { get; init; }
        public string BadBytesMessage { get; init; } = "";
        public string EmptyBytesMessage { get; init; } = "";
        public string[] Assemblies { get; init; } = [];
    }

    // Plain ML.NET in this process: LoadImages of each path in front of the zip (which reads decoded images).
    private static (string[] Labels, float[][] Scores) PathRoute(string zip, string[] files)
    {
        var ml = new MLContext();
        var model = ml.Model.Load(zip, out _);
        var rows = ml.Data.LoadFromEnumerable(files.Select(f => new LabeledImage { ImagePath = f }));
        var scored = model.Transform(ml.Transforms.LoadImages(ImageInputCatalog.ImageSourceColumnName, "", ImageInputCatalog.ImagePathColumnName).Fit(rows).Transform(rows));
        var result = (scored.GetColumn<string>("PredictedLabel").ToArray(), scored.GetColumn<float[]>("Score").ToArray());
        (model as IDisposable)?.Dispose();
        return result;
    }

    // The library's own prediction: the checkpoint written during the same run, scored by TorchSharp.
    private static (string[] Labels, float[][] Scores) LibraryPredictions(string checkpoint, MnistDataset mnist)
    {
        using var library = CnnTransformer.Load(checkpoint);
        var scored = library.Transform(mnist.ToDataView());
        var names = library.Definition.ClassNames!;
        var keys = scored.GetColumn<uint>("PredictedLabel").ToArray();
        var scores = scored.GetColumn<float[]>("Score").ToArray();
        return (keys.Select(k => names[(int)k - 1]).ToArray(), scores);
    }
}
