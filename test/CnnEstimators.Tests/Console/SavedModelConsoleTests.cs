using System.Text.Json;
using CnnMl.Data;
using CnnMl.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// Model Builder's flow through the console, each step a new process (issue 8 item 5, issue 9 items 2 and 7):
/// <c>cnnml train --out model.zip</c> (mnist-cnn, 1 epoch on 2,000 MNIST images), then <c>evaluate</c>, <c>export</c>
/// and <c>predict</c> on that zip. The consumption code written beside the zip is compiled and run by
/// <see cref="ConsumptionCodeTests"/>.
/// </summary>
[TestClass]
public sealed class SavedModelConsoleTests
{
    private const int TestImages = 500;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);

    private static TrainedConsoleModel _trained = null!;

    [ClassInitialize]
    public static void Train(TestContext _) => _trained = TrainedConsoleModel.Get();

    [TestMethod]
    public void Train_out_writes_a_plain_MLNet_zip_reading_Image_and_giving_the_class_name()
    {
        CollectionAssert.AreEquivalent(
            new[] { "model.zip", "model.consume.cs", "train.json", "train.ckpt", "weights.pt" },
            Directory.GetFiles(_trained.Folder).Select(Path.GetFileName).ToList(),
            "Exactly the requested outputs, and no temporary file left behind.");

        var ml = new MLContext();
        var model = ml.Model.Load(_trained.ModelPath, out var inputSchema);
        Assert.AreEqual("Vector<Single, 784>", inputSchema["Image"].Type.ToString(), "the training data's Image column, 28×28 floats");
        Assert.AreEqual("Key<UInt32, 0-9>", inputSchema["Label"].Type.ToString(), "the training data's Label column");
        var output = model.GetOutputSchema(inputSchema);
        Assert.AreEqual(TextDataViewType.Instance, output["PredictedLabel"].Type, "PredictedLabel is the class name (MapKeyToValue is saved too)");
        Assert.AreEqual("Vector<Single, 10>", output["Score"].Type.ToString());

        var scored = model.Transform(ml.Data.LoadMnist(TestPaths.MnistDirectory, MnistSplit.Test, 5));
        CollectionAssert.AreEqual(new[] { "7", "2", "1", "0", "4" },
            scored.GetColumn<string>("PredictedLabel").ToArray(), "the first five MNIST test digits, by name");
        (model as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void Evaluate_in_a_new_process_reports_exactly_the_accuracy_train_printed()
    {
        var metricsPath = Path.Combine(Path.GetTempPath(), $"cnnml-evaluate-{Guid.NewGuid():N}.json");
        try
        {
            var run = CnnmlProcess.Run(Timeout, "evaluate", "--model", _trained.ModelPath, "--test-limit", $"{TestImages}", "--metrics-json", metricsPath);
            Assert.AreEqual(0, run.ExitCode, run.ToString());

            using var train = JsonDocument.Parse(File.ReadAllText(_trained.MetricsPath));
            using var evaluate = JsonDocument.Parse(File.ReadAllText(metricsPath));
            var saved = train.RootElement.GetProperty("savedModel");
            var evaluated = evaluate.RootElement;
            Console.WriteLine($"train: {train.RootElement}\nevaluate: {evaluated}");
            Assert.AreEqual(TestImages, evaluated.GetProperty("testImages").GetInt64());
            foreach (var figure in new[] { "microAccuracy", "macroAccuracy", "logLoss" })
                Assert.AreEqual(saved.GetProperty(figure).GetDouble(), evaluated.GetProperty(figure).GetDouble(), 0.0, $"{figure}: the saved zip, evaluated in a new process");
            Assert.AreEqual(train.RootElement.GetProperty("microAccuracy").GetDouble(), evaluated.GetProperty("microAccuracy").GetDouble(), 0.0,
                "the accuracy printed right after training (TorchSharp, in memory) is the saved zip's (ONNX Runtime)");
            // One epoch on 2,000 images gives ~80% here; a model that did not learn gives ~10%.
            Assert.IsGreaterThan(0.6, evaluated.GetProperty("microAccuracy").GetDouble());

            var printed = AccuracyLine(_trained.Train.StandardOutput);
            Assert.AreEqual(printed, AccuracyLine(run.StandardOutput), "the same 'test accuracy' line on the console");
        }
        finally
        {
            File.Delete(metricsPath);
        }
    }

    [TestMethod]
    public void Export_writes_the_graph_the_zip_scores_with_and_ONNX_Runtime_scores_it_the_same()
    {
        var onnxPath = Path.Combine(Path.GetTempPath(), $"cnnml-export-{Guid.NewGuid():N}.onnx");
        try
        {
            var run = CnnmlProcess.Run(Timeout, "export", "--model", _trained.ModelPath, "--onnx", onnxPath);
            Assert.AreEqual(0, run.ExitCode, run.ToString());
            StringAssert.Contains(run.StandardOutput, "opset 17; input Image [N, 784] float");

            const int rows = 100;
            var mnist = MnistDataset.Load(TestPaths.MnistDirectory, MnistSplit.Test, rows);
            var pixels = mnist.Pixels.Select(p => p / 255f).ToArray();

            using var options = OnnxRuntimeLog.SessionOptions(out var logId);
            using var session = new InferenceSession(onnxPath, options);
            Assert.IsEmpty(OnnxRuntimeLog.For(logId), "ONNX Runtime loads the exported graph without warnings");
            // The network's own outputs only: nothing that the zip's graph carries for ML.NET (its slot-name node).
            CollectionAssert.AreEqual(new[] { "CnnMl.Probabilities", "CnnMl.PredictedIndex" }, session.OutputMetadata.Keys.ToArray());
            CollectionAssert.AreEqual(new[] { "Image" }, session.InputMetadata.Keys.ToArray());
            StringAssert.Contains(run.StandardOutput, "outputs CnnMl.Probabilities [N, 10] float, CnnMl.PredictedIndex [N, 1] int64\n");
            Assert.DoesNotContain("mlnet", run.StandardOutput);
            var graph = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath));
            Assert.IsEmpty(graph.Graph.Node.Where(n => n.Name.StartsWith("mlnet.", StringComparison.Ordinal)).ToList(), "no ML.NET annotation node");
            Assert.IsEmpty(graph.Graph.Initializer.Where(t => t.Name.StartsWith("mlnet.", StringComparison.Ordinal)).ToList(), "no ML.NET annotation constant");
            Assert.IsEmpty(graph.OpsetImport.Where(o => o.Domain == "ai.onnx.ml").ToList(), "no ai.onnx.ml import: no node of that domain is left");
            Assert.AreEqual("[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]",
                session.ModelMetadata.CustomMetadataMap["cnnml.class_names"], "the class names, in index order, in the metadata");
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("Image", new DenseTensor<float>(pixels, [rows, 784]))]);
            var probabilities = results.Single(r => r.Name == "CnnMl.Probabilities").AsTensor<float>().ToArray();
            var indices = results.Single(r => r.Name == "CnnMl.PredictedIndex").AsTensor<long>().ToArray();

            var ml = new MLContext();
            var model = ml.Model.Load(_trained.ModelPath, out _);
            var scored = model.Transform(mnist.ToDataView());
            var scores = scored.GetColumn<float[]>("Score").ToArray();
            var labels = scored.GetColumn<string>("PredictedLabel").ToArray();
            (model as IDisposable)?.Dispose();

            var worst = 0f;
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < 10; c++) worst = Math.Max(worst, Math.Abs(scores[r][c] - probabilities[r * 10 + c]));
                Assert.AreEqual(labels[r], indices[r].ToString(System.Globalization.CultureInfo.InvariantCulture), $"row {r}: the graph's arg-max is the zip's PredictedLabel");
            }
            Console.WriteLine($"{rows} rows: largest difference between the exported graph and the zip's Score: {worst:G3}");
            Assert.IsLessThanOrEqualTo(1e-6f, worst);
        }
        finally
        {
            File.Delete(onnxPath);
        }
    }

    [TestMethod]
    public void Predict_json_labels_equal_a_batch_Transform_over_the_same_files()
    {
        const int digits = 30;
        var folder = Directory.CreateTempSubdirectory("cnnml-predict-").FullName;
        try
        {
            var mnist = MnistDataset.Load(TestPaths.MnistDirectory, MnistSplit.Test, digits);
            var files = new List<string>();
            for (var i = 0; i < digits; i++)
            {
                // PNG is lossless: the file's pixels are the idx bytes. Two JPEGs check that lossy files load too.
                var path = Path.Combine(folder, $"digit-{i:D2}.{(i < 2 ? "jpg" : "png")}");
                DigitImageFiles.WriteGrayscale(path, mnist.Pixels.AsSpan(i * 784, 784));
                files.Add(path);
            }
            var jsonPath = Path.Combine(folder, "predictions.json");
            var run = CnnmlProcess.Run(Timeout, ["predict", "--model", _trained.ModelPath, .. files, "--json", jsonPath]);
            Assert.AreEqual(0, run.ExitCode, run.ToString());

            var predictions = JsonSerializer.Deserialize<List<PredictionJson>>(File.ReadAllText(jsonPath), CaseInsensitive)!;
            CollectionAssert.AreEqual(files, predictions.Select(p => p.Path).ToList());

            // The batch Transform over the same images: the exact training features (idx bytes / 255) through the zip.
            var ml = new MLContext();
            var model = ml.Model.Load(_trained.ModelPath, out _);
            var scored = model.Transform(mnist.ToDataView());
            var labels = scored.GetColumn<string>("PredictedLabel").ToArray();
            var scores = scored.GetColumn<float[]>("Score").ToArray();
            var classNames = MnistCatalog.DigitNames;
            (model as IDisposable)?.Dispose();

            for (var i = 0; i < digits; i++)
            {
                var prediction = predictions[i];
                Assert.AreEqual(labels[i], prediction.Label, $"{prediction.Path}: predict's label vs the batch Transform's");
                Assert.HasCount(3, prediction.Top);
                Assert.AreEqual(prediction.Label, prediction.Top[0].Label, "the top class is the predicted label");
                var expectedTop = scores[i].Select((s, c) => (Label: classNames[c], Score: s)).OrderByDescending(x => x.Score).Take(3).ToList();
                // PNG features are bit-identical to the training features; a JPEG's decoding loses a little.
                var tolerance = files[i].EndsWith(".png", StringComparison.Ordinal) ? 0f : 0.05f;
                for (var k = 0; k < 3; k++)
                {
                    if (tolerance == 0f) Assert.AreEqual(expectedTop[k].Label, prediction.Top[k].Label, $"{prediction.Path}: class {k + 1}");
                    var expectedScore = scores[i][classNames.ToList().IndexOf(prediction.Top[k].Label)];
                    Assert.AreEqual(expectedScore, prediction.Top[k].Score, tolerance, $"{prediction.Path}: score of '{prediction.Top[k].Label}'");
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string AccuracyLine(string output) =>
        output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("test accuracy: ", StringComparison.Ordinal));

    private static readonly JsonSerializerOptions CaseInsensitive = new() { PropertyNameCaseInsensitive = true };

    // predict's --json: [{ "path", "label", "top": [{ "label", "score" }] }]
    private sealed record PredictionJson(string Path, string Label, List<ScoreJson> Top);

    private sealed record ScoreJson(string Label, float Score);
}
