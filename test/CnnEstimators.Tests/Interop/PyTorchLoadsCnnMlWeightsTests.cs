using System.Text.Json;
using CnnMl.Architectures;
using CnnMl.Interop;
using CnnMl.Scoring;
using CnnMl.Tests.ConsoleApp;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using static TorchSharp.torch;

namespace CnnMl.Tests.Interop;

/// <summary>
/// Weights out, checked by real PyTorch: files written by <see cref="CnnTransformer.SaveWeights"/> and by
/// <c>cnnml train --weights-out</c> load with <c>load_state_dict(strict=True)</c> into the PyTorch classes of
/// scripts/pytorch/cnnml_models.py (the source document's <c>CNN</c>, d2l's LeNet, torchvision's <c>resnet18()</c> and
/// <c>mobilenet_v2()</c>), and PyTorch's logits equal CnnMl's within 1e-4 · max(1, max|y|). One Python process
/// (scripts/pytorch/check_weights.py --cases) checks every file.
/// </summary>
[TestClass]
public sealed class PyTorchLoadsCnnMlWeightsTests
{
    [TestMethod]
    public void SaveWeightsAndWeightsOutFilesLoadStrictlyIntoPyTorchsClassesAndScoreTheSame()
    {
        using var folder = new TemporaryFolder("cnnml-weights-pytorch");
        // Started first: Python imports torch while CnnMl trains, and scores each file as soon as it is written.
        using var pytorch = PyTorchProcess.Start("check_weights.py", "--cases", "-");
        using var scope = NewDisposeScope();
        var cases = new List<WeightsCase>();
        foreach (var (architecture, shape) in new[]
                 {
                     (CnnArchitectures.MnistCnn, new ImageShape(1, 28, 28)), (CnnArchitectures.LeNet5, new ImageShape(1, 28, 28)),
                     (CnnArchitectures.ResNet18, new ImageShape(3, 32, 32)), (CnnArchitectures.MobileNetV2, new ImageShape(3, 32, 32)),
                 })
        {
            var ml = new MLContext(seed: 2);
            // One epoch from scratch: weights and batch-norm statistics that are not the initial ones. Without oneDNN:
            // two steps do not repay probing each convolution configuration (OneDnnMode.Auto), and what is tested is the file.
            using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                Architecture = architecture, ImageShape = shape, Epochs = 1, BatchSize = 8, ReportEveryBatches = 0, OneDnn = OneDnnMode.Off,
            }).Fit(ShapedImages.Noise(ml, 16, shape, classes: 10, seed: 3));
            var path = folder.File($"{architecture}.pt");
            model.SaveWeights(path);
            cases.Add(WeightsCase.Score(folder, $"SaveWeights {architecture}", architecture, path, model.Module, shape, 10));
            pytorch.Input.WriteLine(cases[^1].ForPython());
        }

        var console = TrainedConsoleModel.Get();
        using var trained = CnnTransformer.Load(console.CheckpointPath);
        cases.Add(WeightsCase.Score(folder, "cnnml train --weights-out", CnnArchitectures.MnistCnn, console.WeightsPath, trained.Module,
            new ImageShape(1, 28, 28), 10));
        pytorch.Input.WriteLine(cases[^1].ForPython());

        // Control: strict=True is in force. The same mnist-cnn file without its last tensor must be refused.
        var truncated = folder.File("mnist-cnn-without-out-bias.pt");
        using (var file = new StateDictTensors(folder.File($"{CnnArchitectures.MnistCnn}.pt")))
            StateDictFile.Write(truncated, file.Tensors.Where(kv => kv.Key != "out.bias").Select(kv => (kv.Key, kv.Value)).ToList());
        pytorch.Input.WriteLine((cases[0] with { Weights = truncated, LogitsPath = folder.File("control.logits.f32") }).ForPython());

        var output = pytorch.Finish(TimeSpan.FromMinutes(5));
        var results = JsonDocument.Parse(output.StandardOutput.Trim().Split('\n')[^1]).RootElement.EnumerateArray().ToArray();
        Assert.HasCount(cases.Count + 1, results);

        var controlResult = results[^1];
        Assert.IsTrue(controlResult.TryGetProperty("error", out var refusal), $"PyTorch loaded a file without out.bias with strict=True: {controlResult}");
        StringAssert.Contains(refusal.GetString(), "Missing key(s) in state_dict: \"out.bias\"");

        foreach (var (weightsCase, result) in cases.Zip(results))
        {
            Assert.IsFalse(result.TryGetProperty("error", out var error), $"{weightsCase.Label}: PyTorch refused the file with strict=True: {error}");
            Assert.AreEqual(weightsCase.TensorCount, result.GetProperty("tensors").GetInt32(), $"{weightsCase.Label}: tensors loaded");
            var theirs = PyTorchStateDict.ReadFloat32(weightsCase.LogitsPath, weightsCase.Expected.shape);
            var scale = Math.Max(1.0, weightsCase.Expected.abs().max().item<float>());
            var difference = (theirs - weightsCase.Expected).abs().max().item<float>();
            Console.WriteLine($"{weightsCase.Label}: {weightsCase.TensorCount} tensors, max |Δlogit| {difference:E2} (max |y| {scale:F2})");
            Assert.IsLessThanOrEqualTo(1e-4 * scale, difference, $"{weightsCase.Label}: PyTorch's logits against CnnMl's");
        }
    }

    /// <summary>One weights file, the input it is scored on, and CnnMl's logits for that input.</summary>
    private sealed record WeightsCase(string Label, string Architecture, string Weights, int TensorCount, ImageShape Shape, int Classes,
        string InputPath, string LogitsPath, Tensor Expected)
    {
        /// <summary>Writes 4 random images for <paramref name="shape"/> and keeps <paramref name="module"/>'s logits for them.</summary>
        public static WeightsCase Score(TemporaryFolder folder, string label, string architecture, string weights, nn.Module<Tensor, Tensor> module,
            ImageShape shape, int classes)
        {
            var name = label.Replace(' ', '-');
            var inputPath = folder.File($"{name}.input.f32");
            manual_seed(11);
            var x = rand(shape.WithBatch(4));
            File.WriteAllBytes(inputPath, x.bytes.ToArray());
            module.eval();
            using var noGrad = no_grad();
            var logits = module.call(x);
            return new WeightsCase(label, architecture, weights, module.state_dict().Count, shape, classes, inputPath,
                folder.File($"{name}.logits.f32"), logits);
        }

        /// <summary>The case as one JSON line of check_weights.py --cases -.</summary>
        public string ForPython() => JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["arch"] = Architecture, ["weights"] = Weights, ["classes"] = Classes,
            ["input_shape"] = Shape.WithBatch(4), ["input"] = InputPath, ["logits"] = LogitsPath,
        });
    }
}
