using CnnMl.Onnx;
using CnnMl.Tests.Support;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace CnnMl.Tests.Onnx;

/// <summary>The "loads without warnings" assertions can fail: the capturing logger sees ONNX Runtime's warnings.</summary>
[TestClass]
public sealed class OnnxRuntimeLogTests
{
    [TestMethod]
    public void AnUnusedInitializerIsCapturedAsAWarningOfThatSession()
    {
        Assert.IsTrue(OnnxRuntimeLog.IsCapturing, "the assembly initializer created ONNX Runtime's environment with the capturing logger");
        var graph = new OnnxGraphBuilder("unused-initializer");
        var x = graph.AddInput("X", [OnnxGraphBuilder.Batch, 4]);
        graph.Initializer("unused", [1f, 2f], [2]);
        graph.AddOutput(graph.Relu(x));
        var model = new ModelProto { IrVersion = OnnxModelExporter.IrVersion, Graph = graph.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxModelExporter.OpsetVersion });

        using var options = OnnxRuntimeLog.SessionOptions(out var logId);
        using var session = new InferenceSession(model.ToByteArray(), options);

        var warnings = OnnxRuntimeLog.For(logId).Where(m => m.Severity >= OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING).ToArray();
        Assert.HasCount(1, warnings, string.Join(Environment.NewLine, warnings.Select(w => w.ToString())));
        StringAssert.Contains(warnings[0].Text, "Removing initializer 'unused'");
        Assert.AreEqual(logId, warnings[0].LogId);
    }
}
