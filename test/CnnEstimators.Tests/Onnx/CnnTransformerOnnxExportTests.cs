using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace CnnMl.Tests.Onnx;

/// <summary>A trained transformer exports its module: input named after its feature column, ONNX Score = transformer Score.</summary>
[TestClass]
public sealed class CnnTransformerOnnxExportTests
{
    [TestMethod]
    public void ExportedModelReadsTheFeatureColumnAndScoresLikeTheTransformer()
    {
        var ml = new MLContext(seed: 4);
        var copy = ml.Transforms.CopyColumns("Pixels", "Image");
        var train = copy.Fit(SyntheticImages.Create(128, seed: 1)).Transform(SyntheticImages.Create(128, seed: 1));
        var test = copy.Fit(train).Transform(SyntheticImages.Create(20, seed: 2));
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            FeatureColumnName = "Pixels",
            Epochs = 1,
            BatchSize = 32,
            ReportEveryBatches = 0,
        }).Fit(train);

        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        var bytes = stream.ToArray();
        Assert.AreEqual("Pixels", ModelProto.Parser.ParseFrom(bytes).Graph.Input.Single().Name);

        var scored = model.Transform(test);
        var pixels = scored.GetColumn<float[]>("Pixels").ToArray();
        var scores = scored.GetColumn<float[]>("Score").ToArray();
        using var options = OnnxRuntimeLog.SessionOptions(out _);
        using var session = new InferenceSession(bytes, options);
        using var input = OrtValue.CreateTensorValueFromMemory(pixels.SelectMany(p => p).ToArray(), [pixels.Length, pixels[0].Length]);
        using var outputs = session.Run(new RunOptions(), new Dictionary<string, OrtValue> { ["Pixels"] = input }, ["Score"]);
        var onnx = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var expected = scores.SelectMany(s => s).ToArray();
        Assert.HasCount(expected.Length, onnx);
        var maxError = expected.Zip(onnx, (a, b) => Math.Abs(a - b)).Max();
        Console.WriteLine($"{pixels.Length} rows: max |ΔScore| {maxError:E2}");
        Assert.IsLessThanOrEqualTo(1e-5f, maxError);
    }
}
