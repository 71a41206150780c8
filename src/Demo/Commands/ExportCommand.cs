using CnnMl.Demo.Models;
using Microsoft.ML;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands;

/// <summary>
/// <c>cnnml export</c>: writes the ONNX graph a model zip scores with (the graph of the <c>OnnxTransformer</c> in
/// the loaded chain), for ONNX Runtime, Windows ML, TensorRT, onnxruntime-web and the like.
/// </summary>
public sealed class ExportCommand : Command<ExportSettings>
{
    public override int Execute(CommandContext context, ExportSettings settings, CancellationToken cancellation)
    {
        OutputFiles.EnsureWritable("--onnx", settings.Onnx);
        var modelPath = OutputFiles.RequireFile("--model", settings.Model);

        var ml = new MLContext();
        using var model = SavedModel.Load(ml, modelPath);
        var (bytes, graph) = EmbeddedOnnxGraph.Read(modelPath, model.Transformer);
        cancellation.ThrowIfCancellationRequested();
        var written = OutputFiles.WriteAtomically(settings.Onnx, stream => stream.Write(bytes));
        AnsiConsole.MarkupLineInterpolated($"Wrote [bold]{written}[/] ({bytes.Length / 1024.0:N0} KB), the graph the zip scores with:");
        AnsiConsole.MarkupLineInterpolated($"  {EmbeddedOnnxGraph.Describe(graph)}");
        return 0;
    }
}
