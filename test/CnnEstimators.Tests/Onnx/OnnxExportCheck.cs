using CnnMl.Architectures;
using CnnMl.Onnx;
using CnnMl.Tests.Support;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Tests.Onnx;

/// <summary>
/// Exports a module, loads the file in ONNX Runtime (asserting it logs no warning), runs random batches through
/// both and compares Score (softmax), logits and the arg-max index.
/// </summary>
internal static class OnnxExportCheck
{
    public const string ScoreName = "Score";
    public const string LogitsName = "Logits";
    public const string IndexName = "PredictedIndex";

    /// <summary>What one check measured.</summary>
    /// <param name="ScoreError">Largest |Score_onnx − Score_torch| over all batches.</param>
    /// <param name="LogitError">Largest |logit_onnx − logit_torch|.</param>
    /// <param name="LogitScale">Largest |logit_torch| (the tolerance scales with max(1, this)).</param>
    /// <param name="Model">The exported model message.</param>
    public sealed record Result(double ScoreError, double LogitError, double LogitScale, ModelProto Model)
    {
        /// <summary>The relative logit error, <c>LogitError / max(1, LogitScale)</c>.</summary>
        public double RelativeLogitError => LogitError / Math.Max(1, LogitScale);

        /// <summary>Operator types used, for assertions on the graph's content.</summary>
        public IReadOnlySet<string> OpTypes => Model.Graph.Node.Select(n => n.OpType).ToHashSet();
    }

    /// <summary>
    /// Gives every batch norm a random affine transform and running statistics measured on random data (one
    /// train-mode forward with cumulative averaging), then puts the module in eval mode.
    /// </summary>
    public static void RandomizeBatchNorms(nn.Module<Tensor, Tensor> module, ImageShape shape, int batch)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            foreach (var norm in module.modules().OfType<BatchNorm>())
            {
                // Non-trivial but tame: a residual net's logits grow with every γ above 1, and with logits near 100
                // float32 rounding alone (TorchSharp's own, measured against float64) moves softmax by ~1e-4.
                norm.weight?.uniform_(0.5, 1.0);
                norm.bias?.normal_(0, 0.1);
                norm.reset_running_stats();
                norm.momentum = null; // cumulative average: after one batch the running statistics are that batch's
            }
            module.train();
            module.call(randn(shape.WithBatch(batch)));
        }
        module.eval();
    }

    /// <summary>Exports <paramref name="module"/> (eval mode), checks the model file, and compares ONNX Runtime with TorchSharp.</summary>
    public static Result Run(nn.Module<Tensor, Tensor> module, ImageShape shape, IReadOnlyList<int> batches, string inputName = "Image")
    {
        module.eval();
        var options = new OnnxExportOptions { InputName = inputName, PredictedIndexOutputName = IndexName, LogitsOutputName = LogitsName };
        var bytes = OnnxModelExporter.ExportToBytes(module, shape, options);
        var model = ModelProto.Parser.ParseFrom(bytes);

        Assert.AreEqual(OnnxModelExporter.OpsetVersion, model.OpsetImport.Single(o => o.Domain == "").Version);
        var input = model.Graph.Input.Single();
        Assert.AreEqual(inputName, input.Name);
        var dims = input.Type.TensorType.Shape.Dim;
        Assert.AreEqual("N", dims[0].DimParam, "the batch dimension is dynamic");
        Assert.AreEqual(shape.ElementCount, dims[1].DimValue, "the input is the flat feature vector");

        using var sessionOptions = OnnxRuntimeLog.SessionOptions(out var logId);
        using var session = new InferenceSession(bytes, sessionOptions);
        // TorchSharp runs once on the largest batch; ONNX Runtime on each batch size, compared with the first rows
        // (rows are independent in eval mode, and TorchSharp's first forward at a new shape is slow).
        using var scope = NewDisposeScope();
        var largest = batches.Max();
        var x = randn(shape.WithBatch(largest));
        Tensor logits;
        using (no_grad()) logits = module.call(x);
        var classes = (int)logits.shape[1];
        var expectedScore = nn.functional.softmax(logits, 1).data<float>().ToArray();
        var expectedLogits = logits.data<float>().ToArray();
        var expectedIndex = logits.argmax(1).data<long>().ToArray();
        var pixels = x.data<float>().ToArray();
        var logitScale = expectedLogits.Max(v => Math.Abs((double)v));
        var (scoreError, logitError) = (0.0, 0.0);
        foreach (var batch in batches)
        {
            var (score, logitsOut, index) = RunSession(session, inputName, pixels[..(int)(batch * shape.ElementCount)], batch, shape.ElementCount);
            Assert.HasCount(batch * classes, score, $"Score has {batch} × {classes} values");
            scoreError = Math.Max(scoreError, MaxAbsDiff(expectedScore[..(batch * classes)], score));
            logitError = Math.Max(logitError, MaxAbsDiff(expectedLogits[..(batch * classes)], logitsOut));
            CollectionAssert.AreEqual(expectedIndex[..batch], index, $"arg-max of {batch} examples");
        }
        var warnings = OnnxRuntimeLog.For(logId).Where(m => m.Severity >= OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING).ToArray();
        Assert.IsEmpty(warnings, "ONNX Runtime logged: " + string.Join(Environment.NewLine, warnings.Select(w => w.ToString())));
        return new Result(scoreError, logitError, logitScale, model);
    }

    /// <summary>Asserts the acceptance tolerance: Score within 1e-4, logits within 1e-4 · max(1, max|logit|).</summary>
    public static void AssertWithinTolerance(Result result, string what)
    {
        Console.WriteLine($"{what}: max |ΔScore| {result.ScoreError:E2}, max |Δlogit| {result.LogitError:E2} (max |logit| {result.LogitScale:F2}), {result.Model.Graph.Node.Count} nodes");
        Assert.IsLessThanOrEqualTo(1e-4, result.ScoreError, $"{what}: Score differs from TorchSharp's softmax");
        Assert.IsLessThanOrEqualTo(1e-4, result.RelativeLogitError, $"{what}: logits differ by {result.LogitError} (max |logit| {result.LogitScale})");
    }

    private static (float[] Score, float[] Logits, long[] Index) RunSession(InferenceSession session, string inputName, float[] x, int batch, long features)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(x, [batch, features]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, new Dictionary<string, OrtValue> { [inputName] = input }, [ScoreName, LogitsName, IndexName]);
        var indexShape = outputs[2].GetTensorTypeAndShape().Shape;
        CollectionAssert.AreEqual(new long[] { batch, 1 }, indexShape, "the predicted index is [N, 1]");
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray(),
            outputs[2].GetTensorDataAsSpan<long>().ToArray());
    }

    private static double MaxAbsDiff(float[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        var max = 0.0;
        for (var i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs((double)expected[i] - actual[i]));
        return max;
    }
}
