using CnnMl.Demo.Cli;
using CnnMl.Demo.Models;
using Google.Protobuf;
using Microsoft.ML;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Export;

/// <summary>
/// <c>cnnml export</c>: writes the ONNX graph a model zip scores with (the graph of the <c>OnnxTransformer</c> in
/// the loaded chain) with the network's own outputs only, for ONNX Runtime, Windows ML, TensorRT, onnxruntime-web and
/// the like; the class names go into the file's metadata (<see cref="EmbeddedOnnxGraph.ClassNamesMetadataKey"/>).
/// </summary>
public sealed class ExportCommand : Command<ExportSettings>
{
    public override int Execute(CommandContext context, ExportSettings settings, CancellationToken cancellation)
    {
        OutputFiles.EnsureWritable("--onnx", settings.Onnx);
        var modelPath = OutputFiles.RequireFile("--model", settings.Model);

        var ml = new MLContext();
        using var model = SavedModel.Load(ml, modelPath);
        var (_, embedded) = EmbeddedOnnxGraph.Read(modelPath, model.Transformer);
        // The graph the zip carries also feeds ML.NET its Score slot names; the file holds the network's outputs alone.
        var graph = EmbeddedOnnxGraph.NetworkOnly(embedded);
        var bytes = graph.ToByteArray();
        cancellation.ThrowIfCancellationRequested();
        var written = OutputFiles.WriteAtomically(settings.Onnx, stream => stream.Write(bytes));
        AnsiConsole.MarkupLineInterpolated($"Wrote [bold]{written}[/] ({bytes.Length / 1024.0:N0} KB), the graph the zip scores with:");
        AnsiConsole.MarkupLineInterpolated($"  {EmbeddedOnnxGraph.Describe(graph)}");
        return 0;
    }
}
