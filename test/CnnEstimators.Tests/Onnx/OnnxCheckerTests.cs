using System.Text.Json;
using CnnMl.Abstractions;
using CnnMl.Architectures;
using CnnMl.Onnx;
using CnnMl.Tests.Support;
using Google.Protobuf;
using static TorchSharp.torch;

namespace CnnMl.Tests.Onnx;

/// <summary>
/// The ONNX export of every registry architecture (and of its converted inference form, where it has one) passes
/// ONNX's own checker with <c>full_check=True</c> (Debian's python3-onnx; scripts/pytorch/check_onnx.py): schema of
/// every node at the model's opset and strict shape and type inference, beyond what ONNX Runtime's loading checks.
/// </summary>
[TestClass]
public sealed class OnnxCheckerTests
{
    [TestMethod]
    public void EveryArchitecturesExportPassesOnnxsFullChecker()
    {
        using var folder = new TemporaryFolder("cnnml-onnx-checker");
        // The checker takes each file as soon as it is written: it checks one while the next is exported (2 cores).
        using var checker = PyTorchProcess.Start("check_onnx.py", "-");
        var files = new Dictionary<string, string>();
        var options = new OnnxExportOptions { PredictedIndexOutputName = "PredictedIndex", LogitsOutputName = "Logits" };
        foreach (var architecture in CnnArchitectures.All)
        {
            // The ImageNet-size networks at 64x64, as in OnnxExportTests: the graph is the same, the weights smaller.
            var input = architecture.DefaultInput;
            var shape = input.Spatial.Any(s => s > 64) ? new ImageShape([input.Channels, .. input.Spatial.Select(_ => 64L)]) : input;
            manual_seed(17);
            using var module = architecture.Create(shape, architecture.DefaultClasses);
            // A trained CondenseNet has condensed masks: export the masked (effective) weights, as OnnxExportTests does.
            foreach (var learned in module.modules().OfType<LearnedGroupConv>()) learned.CondenseTo(1.0);
            files[architecture.Name] = Export(checker, folder, architecture.Name, module, shape, options);
            if (module is IConvertibleAfterTraining convertible)
            {
                using var converted = convertible.ConvertForInference();
                files[$"{architecture.Name} (converted)"] = Export(checker, folder, architecture.Name + "-converted", converted, shape, options);
            }
        }
        Assert.HasCount(CnnArchitectures.All.Count, files.Keys.Where(k => !k.EndsWith("(converted)", StringComparison.Ordinal)));

        // Control: the checker is really run and can fail. A node reading a value that nothing defines is refused.
        using (var small = CnnArchitectures.Get(CnnArchitectures.LeNet5).Create())
        {
            var broken = OnnxModelExporter.Build(small, new ImageShape(1, 28, 28), options);
            broken.Graph.Node[1].Input[0] = "defined-nowhere";
            files["control"] = folder.File("control.onnx");
            File.WriteAllBytes(files["control"], broken.ToByteArray());
            checker.Input.WriteLine(files["control"]);
        }

        var output = checker.Finish(TimeSpan.FromMinutes(5), expectedExitCode: 1);
        using var json = JsonDocument.Parse(output.StandardOutput.Trim().Split('\n')[^1]);
        var results = json.RootElement.GetProperty("results");
        StringAssert.Contains(results.GetProperty(files["control"]).GetString(), "defined-nowhere", "the checker names the undefined input");
        var failures = files.Where(f => f.Key != "control")
            .Select(f => (f.Key, Verdict: results.GetProperty(f.Value).GetString()))
            .Where(r => r.Verdict != "ok").Select(r => $"{r.Key}: {r.Verdict}").ToArray();
        Console.WriteLine($"onnx {json.RootElement.GetProperty("onnx").GetString()}: {files.Count - 1 - failures.Length} of {files.Count - 1} exports pass check_model(full_check=True)");
        Assert.IsEmpty(failures, string.Join("\n", failures));
    }

    private static string Export(PyTorchProcess checker, TemporaryFolder folder, string name, nn.Module<Tensor, Tensor> module, ImageShape shape,
        OnnxExportOptions options)
    {
        var path = folder.File(name + ".onnx");
        using (var file = File.Create(path)) OnnxModelExporter.Export(module, shape, file, options);
        checker.Input.WriteLine(path);
        return path;
    }
}
