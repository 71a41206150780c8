using System.Reflection;
using System.Runtime.Loader;
using CnnMl.Data;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// The consumption code <c>cnnml train --out model.zip</c> writes beside the zip (<c>model.consume.cs</c>, Model
/// Builder style) compiles against ML.NET's assemblies alone and, run against the zip, predicts what the library
/// predicts for the same images.
/// </summary>
[TestClass]
public sealed class ConsumptionCodeTests
{
    private const int Images = 50;

    [TestMethod]
    public void Generated_consume_file_compiles_against_MLNet_alone_and_predicts_like_the_library()
    {
        var trained = TrainedConsoleModel.Get();
        var source = File.ReadAllText(trained.ConsumptionCodePath);
        StringAssert.Contains(source, "mlContext.Model.Load(ModelPath, out DataViewSchema inputSchema)");
        StringAssert.Contains(source, "CreatePredictionEngine<ModelInput, ModelOutput>");
        StringAssert.Contains(trained.Train.StandardOutput, "Consume the model", "the panel shows it on the console");

        var references = MlNetAndFrameworkReferences();
        Assert.IsFalse(references.Any(r => Path.GetFileName(r).StartsWith("CnnMl", StringComparison.OrdinalIgnoreCase)), "no CnnMl assembly is referenced");
        var assembly = Compile(source, references);

        var model = assembly.GetType("CnnMlModels.Model", throwOnError: true)!;
        var inputType = model.GetNestedType("ModelInput")!;
        model.GetField("ModelPath")!.SetValue(null, trained.ModelPath);
        var predict = model.GetMethod("Predict")!;
        var predictAll = model.GetMethod("PredictAllLabels")!;

        var mnist = MnistDataset.Load(TestPaths.MnistDirectory, MnistSplit.Test, Images);
        var (libraryLabels, libraryScores) = LibraryPredictions(trained.CheckpointPath, mnist);

        var worst = 0f;
        for (var i = 0; i < Images; i++)
        {
            var input = Activator.CreateInstance(inputType)!;
            inputType.GetProperty("Image")!.SetValue(input, mnist.Pixels.Skip(i * 784).Take(784).Select(p => p / 255f).ToArray());
            var output = predict.Invoke(null, [input])!;
            var label = (string)output.GetType().GetProperty("PredictedLabel")!.GetValue(output)!;
            var score = (float[])output.GetType().GetProperty("Score")!.GetValue(output)!;
            var ranked = ((IEnumerable<KeyValuePair<string, float>>)predictAll.Invoke(null, [input])!).ToList();

            Assert.AreEqual(libraryLabels[i], label, $"image {i}: the generated code's PredictedLabel vs CnnTransformer's");
            Assert.AreEqual(label, ranked[0].Key, $"image {i}: PredictAllLabels puts the predicted label first");
            Assert.HasCount(10, score);
            worst = Math.Max(worst, score.Zip(libraryScores[i], (a, b) => Math.Abs(a - b)).Max());
        }
        Console.WriteLine($"{Images} images: same labels; largest Score difference from the library (TorchSharp) {worst:G3}");
        Assert.IsLessThanOrEqualTo(1e-5f, worst);
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

    // The .NET framework's reference assemblies as the test runs on them, plus ML.NET's (Microsoft.ML.*), which the
    // test project has beside it: what an application consuming the zip references.
    private static string[] MlNetAndFrameworkReferences()
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trusted
            .Where(p => Path.GetDirectoryName(p) == runtime || Path.GetFileName(p).StartsWith("Microsoft.ML", StringComparison.Ordinal))
            .ToArray();
    }

    private static Assembly Compile(string source, string[] references)
    {
        var compilation = CSharpCompilation.Create(
            $"Consume{Guid.NewGuid():N}",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            references.Select(r => MetadataReference.CreateFromFile(r)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.IsTrue(result.Success, "model.consume.cs does not compile:\n" + string.Join('\n', problems));
        Assert.IsEmpty(problems, "model.consume.cs compiles with warnings:\n" + string.Join('\n', problems));
        image.Position = 0;
        // Its own load context: ML.NET resolves from the default context, as in an application.
        return new AssemblyLoadContext("consume", isCollectible: true).LoadFromStream(image);
    }
}
