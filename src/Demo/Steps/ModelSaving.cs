using System.Globalization;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Models;
using CnnMl.Persistence;
using CnnMl.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;

namespace CnnMl.Demo.Steps;

/// <summary>
/// Saving a trained network as an ML.NET model zip with its consumption code, as <c>cnnml train --out</c> and the guided
/// mode do, and showing how to consume it.
/// </summary>
internal static class ModelSaving
{
    /// <summary>
    /// Saves the trained pipeline, with <c>MapKeyToValue</c> appended so that <c>PredictedLabel</c> is the class name,
    /// through the library's atomic save; loads it back with plain ML.NET in a fresh context (seeded with
    /// <paramref name="seed"/>) and evaluates it on the same test images (the figures <c>cnnml evaluate</c> reproduces in
    /// a new process); writes the consumption code beside the zip (<see cref="ConsumptionCodeFile.PathFor"/>).
    /// </summary>
    public static (ConsumptionCodeFile Code, ModelMetrics Metrics) SaveAndReload(MLContext ml, CnnTransformer model, PreparedData prepared,
        string modelPath, int seed, int epochsTrained, CancellationToken cancellation)
    {
        var (data, input, testImages) = (prepared.Data, prepared.Input, prepared.TestImages);
        // What the zip reads: MNIST's Image vector, or an image folder's decoded ImageSource (saved as the encoded bytes).
        var trainSchema = prepared.Decoded(data.Train).Schema;
        var test = data.Test;
        var scored = model.Transform(prepared.ForNetwork(test));
        var toClassName = ml.Transforms.Conversion.MapKeyToValue(SavedModel.PredictedLabelColumn).Fit(scored);
        // Not disposed: the chain would dispose the CnnTransformer, which the caller owns. The image-input chain goes
        // first, so the zip reads what the rows hold (MNIST's Image vector, or an image file's decoded bytes).
        ITransformer[] steps = input is null ? [model, toClassName] : [input, model, toClassName];
        var pipeline = new TransformerChain<ITransformer>(steps);
        var written = ml.Model.SaveAtomically(pipeline, trainSchema, modelPath);
        AnsiConsole.MarkupLineInterpolated(
            $"Saved [bold]{written}[/] ({new FileInfo(written).Length / 1024.0:N0} KB): ML.NET's own transformers, loads with mlContext.Model.Load, no CnnMl needed.");
        // Ctrl+C during the save: the save is atomic, so it completes (or leaves the old file); then nothing more is written.
        cancellation.ThrowIfCancellationRequested();

        var reloadContext = new MLContext(seed: seed);
        using var saved = SavedModel.Load(reloadContext, written);
        var metrics = ModelMetrics.From(written, testImages, saved.Evaluate(reloadContext, prepared.Decoded(test)));
        AnsiConsole.MarkupLineInterpolated(
            $"Reloaded with ML.NET: test accuracy {metrics.MicroAccuracy:P2} (macro {metrics.MacroAccuracy:P2}, log-loss {metrics.LogLoss:F4}); cnnml evaluate --model {modelPath} reports the same.");

        var code = ConsumptionCode(model, data, Path.GetFileName(written), epochsTrained);
        var codePath = OutputFiles.WriteAtomically(ConsumptionCodeFile.PathFor(modelPath), code.Generate());
        AnsiConsole.MarkupLineInterpolated($"Consumption code: {codePath}");
        return (code, metrics);
    }

    /// <summary>The consumption code of <paramref name="model"/>, trained on <paramref name="data"/>, saved as <paramref name="modelFileName"/>.</summary>
    public static ConsumptionCodeFile ConsumptionCode(CnnTransformer model, TrainAndTestData data, string modelFileName, int epochsTrained) => new()
    {
        ModelFileName = modelFileName,
        Inputs = ConsumptionCodeFile.InputsOf(data.ModelInputSchema, model.Definition.LabelColumnName, data.FeatureDescription, data.ImageDescription),
        Packages = ConsumptionCodeFile.PackagesFor(readsImages: data.Input is not null),
        ClassNames = model.Definition.ClassNames ?? Enumerable.Range(0, model.Definition.ClassCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(),
        Provenance = $"{model.Definition.Architecture}, {model.Definition.ClassCount} classes, {epochsTrained} epoch(s) on {data.Source}",
    };

    /// <summary>
    /// Shows the consumption code: the file written beside the zip (<paramref name="saved"/>), or, when the model was not
    /// saved, the same generator's code for a zip named <c>model.zip</c>, the file <c>--out model.zip</c> would write.
    /// </summary>
    public static void ShowHowToConsume(ConsumptionCodeFile? saved, CnnTransformer model, TrainAndTestData data, int epochsTrained)
    {
        // Exactly the file written beside the zip (a test compiles and runs it against the zip).
        var code = saved ?? ConsumptionCode(model, data, "model.zip", epochsTrained);
        var file = $"{Path.GetFileNameWithoutExtension(code.ModelFileName)}.consume.cs";
        var header = saved is not null
            ? $"Consume the model (C#, ML.NET only): {file}"
            : $"Consume the model (C#, ML.NET only): what --out {code.ModelFileName} writes as {file}";
        AnsiConsole.Write(new Panel(new Text(code.Generate())).Header(Markup.Escape(header)));
    }
}
