using CnnMl.Architectures;
using CnnMl.Onnx;
using CnnMl.Tests.Support;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using static TorchSharp.torch;

namespace CnnMl.Tests.Onnx;

/// <summary>The model's interface: names, declared shapes and types, the predicted-index option, name clashes.</summary>
[TestClass]
public sealed class OnnxModelExporterTests
{
    [TestMethod]
    public void DefaultOptionsGiveImageInAndScoreOutWithDeclaredShapes()
    {
        manual_seed(1);
        using var module = CnnArchitectures.Get(CnnArchitectures.LeNet5).Create();
        var model = OnnxModelExporter.Build(module, KnownInputs.Mnist);

        Assert.AreEqual(OnnxModelExporter.IrVersion, model.IrVersion);
        Assert.AreEqual("CnnMl", model.ProducerName);
        Assert.AreEqual(17L, model.OpsetImport.Single().Version);
        Assert.AreEqual("Image", model.Graph.Input.Single().Name);
        var output = model.Graph.Output.Single();
        Assert.AreEqual("Score", output.Name);
        Assert.AreEqual((int)TensorProto.Types.DataType.Float, output.Type.TensorType.ElemType);
        var dims = output.Type.TensorType.Shape.Dim;
        Assert.AreEqual("N", dims[0].DimParam);
        Assert.AreEqual(10L, dims[1].DimValue);
        Assert.AreEqual("Softmax", model.Graph.Node.Single(n => n.Output.Contains("Score")).OpType);
        Assert.IsTrue(model.Graph.Node.Select(n => n.Name).Distinct().Count() == model.Graph.Node.Count, "node names are unique");
    }

    [TestMethod]
    public void PredictedIndexWithoutKeepDimsIsAVectorOfInt64()
    {
        manual_seed(2);
        using var module = CnnArchitectures.Get(CnnArchitectures.MnistCnn).Create();
        module.eval();
        var bytes = OnnxModelExporter.ExportToBytes(module, KnownInputs.Mnist,
            new OnnxExportOptions { InputName = "Pixels", PredictedIndexOutputName = "Index", PredictedIndexKeepDims = false });
        var model = ModelProto.Parser.ParseFrom(bytes);
        var index = model.Graph.Output.Single(o => o.Name == "Index");
        Assert.AreEqual((int)TensorProto.Types.DataType.Int64, index.Type.TensorType.ElemType);
        Assert.HasCount(1, index.Type.TensorType.Shape.Dim);

        using var options = OnnxRuntimeLog.SessionOptions(out _);
        using var session = new InferenceSession(bytes, options);
        using var scope = NewDisposeScope();
        var x = randn(4, 1, 28, 28);
        long[] expected;
        using (no_grad()) expected = module.call(x).argmax(1).data<long>().ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(x.data<float>().ToArray(), [4, 784]);
        using var outputs = session.Run(new RunOptions(), new Dictionary<string, OrtValue> { ["Pixels"] = input }, ["Index"]);
        CollectionAssert.AreEqual(new long[] { 4 }, outputs[0].GetTensorTypeAndShape().Shape);
        CollectionAssert.AreEqual(expected, outputs[0].GetTensorDataAsSpan<long>().ToArray());
    }

    [TestMethod]
    public void AnOutputNamedLikeTheInputIsRefused()
    {
        using var module = CnnArchitectures.Get(CnnArchitectures.LeNet5).Create();
        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            OnnxModelExporter.Build(module, KnownInputs.Mnist, new OnnxExportOptions { InputName = "Score" }));
        StringAssert.Contains(error.Message, "'Score'");
    }

    [TestMethod]
    public void ANetworkThatDoesNotEndInClassesIsRefused()
    {
        using var module = TorchSharp.torch.nn.Sequential(TorchSharp.torch.nn.Conv2d(1, 2, 3));
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => OnnxModelExporter.Build(module, KnownInputs.Mnist));
        StringAssert.Contains(error.Message, "[N, 2, 26, 26]");
    }
}
