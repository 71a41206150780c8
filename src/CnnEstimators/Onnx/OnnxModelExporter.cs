using System.Reflection;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace CnnMl.Onnx;

/// <summary>
/// Exports a network (<c>N × C × spatial… → N × classes</c> logits) as an ONNX model (opset
/// <see cref="OpsetVersion"/>, dynamic batch) that takes the flat feature vector ML.NET hands over and outputs
/// softmax probabilities, optionally the arg-max class index and the logits. The graph is built with ONNX's own
/// protobuf messages (OnnxSharp's generated <c>Onnx.ModelProto</c> classes).
/// </summary>
/// <remarks>
/// Every module is exported in eval-mode semantics (batch norm with its running statistics, dropout as the identity),
/// whatever its training flag; the module is not changed. Weights are copied (from any device) as float32.
/// </remarks>
public static class OnnxModelExporter
{
    /// <summary>The ONNX operator set the graph uses.</summary>
    public const int OpsetVersion = 17;

    /// <summary>ONNX IR version 8 (ONNX 1.10–1.12), the one that goes with opset 17 in PyTorch's exporter.</summary>
    public const long IrVersion = 8;

    /// <summary>Writes the ONNX model of <paramref name="module"/> for inputs of <paramref name="shape"/> to <paramref name="destination"/>.</summary>
    /// <exception cref="NotSupportedException">A module inside the network has no ONNX export (the message names its type and path).</exception>
    public static void Export(nn.Module<Tensor, Tensor> module, ImageShape shape, Stream destination, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var model = Build(module, shape, options);
        model.WriteTo(destination);
    }

    /// <summary>The ONNX model of <paramref name="module"/> as bytes.</summary>
    public static byte[] ExportToBytes(nn.Module<Tensor, Tensor> module, ImageShape shape, OnnxExportOptions? options = null) =>
        Build(module, shape, options).ToByteArray();

    /// <summary>Builds the ONNX model message of <paramref name="module"/> for inputs of <paramref name="shape"/>.</summary>
    /// <exception cref="NotSupportedException">A module inside the network has no ONNX export.</exception>
    /// <exception cref="InvalidOperationException">The network does not produce <c>N × classes</c> logits for this shape.</exception>
    public static ModelProto Build(nn.Module<Tensor, Tensor> module, ImageShape shape, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(shape);
        options ??= new OnnxExportOptions();

        var graph = new OnnxGraphBuilder(module.GetName(), module, options.BatchDimensionName);
        // Reserve the requested names first, so that no generated value can take them.
        foreach (var name in new[] { options.ScoreOutputName, options.PredictedIndexOutputName, options.LogitsOutputName, options.FeaturesOutputName }.OfType<string>())
            graph.Reserve(name);
        if ((options.FeaturesOutputName is null) != (options.FeaturesLayer is null))
            throw new ArgumentException("FeaturesOutputName and FeaturesLayer go together: set both or neither.", nameof(options));
        if (options.FeaturesLayer is { } featuresLayer) graph.CaptureInputOf(featuresLayer);

        var flat = graph.AddInput(options.InputName, [OnnxGraphBuilder.Batch, shape.ElementCount]);
        var image = graph.Reshape(flat, shape.WithBatch(OnnxGraphBuilder.Batch));
        var logits = graph.Module(module, image);
        var logitsShape = graph.ShapeOf(logits);
        if (logitsShape.Count != 2 || logitsShape[0] != OnnxGraphBuilder.Batch)
            throw new InvalidOperationException(
                $"ONNX export: the network '{module.GetName()}' produces [{string.Join(", ", logitsShape.Select(d => d == OnnxGraphBuilder.Batch ? "N" : d.ToString()))}] " +
                $"for input {shape}; a classifier must produce [N, classes].");

        var score = graph.Softmax(logits, 1, options.ScoreOutputName);
        graph.AddOutput(score);
        if (options.PredictedIndexOutputName is { } index)
            graph.AddOutput(graph.ArgMax(score, 1, options.PredictedIndexKeepDims, index));
        if (options.LogitsOutputName is { } logitsName)
            graph.AddOutput(graph.Identity(logits, logitsName));
        if (options.FeaturesOutputName is { } featuresName)
        {
            var captured = graph.CapturedInput
                ?? throw new InvalidOperationException($"ONNX export: the network '{module.GetName()}' never ran its layer '{options.FeaturesLayer}', whose input was to be the features output.");
            var features = graph.ShapeOf(captured).Count == 2 ? captured : graph.Flatten(captured);
            graph.AddOutput(graph.Identity(features, featuresName));
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "CnnMl",
            ProducerVersion = typeof(OnnxModelExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        return model;
    }
}
