using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Scoring;

/// <summary>
/// <see cref="CnnTrainerOptions.OneRowScoring"/>: a prediction engine's one-row passes run in ONNX Runtime by default
/// (the module's forward never runs for them) and in the TorchSharp module with <see cref="OneRowScoring.LibTorch"/>;
/// either way they agree with <c>Transform</c>.
/// </summary>
[TestClass]
public sealed class OneRowScoringTests
{
    private const int Rows = 24;
    private static readonly string[] Names = ["north", "east", "south", "west"];

    private static (int ForwardPasses, float[][] EngineScores, uint[] EngineLabels, float[][] TransformScores, uint[] TransformLabels) Score(OneRowScoring oneRowScoring)
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticImages.Create(128, names: Names, seed: 4);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 1, BatchSize = 32, ReportEveryBatches = 0, Seed = 1, OneRowScoring = oneRowScoring,
        }).Fit(data);
        var scored = model.Transform(data);
        var transformScores = scored.GetColumn<VBuffer<float>>("Score").Take(Rows).Select(v => v.DenseValues().ToArray()).ToArray();
        var transformLabels = scored.GetColumn<uint>("PredictedLabel").Take(Rows).ToArray();
        var images = data.GetColumn<VBuffer<float>>("Image").Take(Rows).Select(v => v.DenseValues().ToArray()).ToArray();

        var passes = 0;
        var hook = model.Module.register_forward_hook((_, _, output) =>
        {
            passes++;
            return output;
        });
        var engine = ml.Model.CreatePredictionEngine<ImageInput, Prediction>(model);
        var predictions = images.Select(image => engine.Predict(new ImageInput { Image = image })).ToArray();
        hook.remove();
        return (passes, predictions.Select(p => p.Score).ToArray(), predictions.Select(p => p.PredictedLabel).ToArray(), transformScores, transformLabels);
    }

    private static void AssertAgree(float[][] expected, float[][] actual, double tolerance)
    {
        Assert.HasCount(expected.Length, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.HasCount(Names.Length, actual[i]);
            for (var c = 0; c < Names.Length; c++) Assert.AreEqual(expected[i][c], actual[i][c], tolerance, $"row {i} class {c}");
        }
    }

    [TestMethod]
    public void ByDefaultOneRowPassesRunInOnnxRuntimeAndAgreeWithTransform()
    {
        var (passes, engineScores, engineLabels, transformScores, transformLabels) = Score(OneRowScoring.OnnxRuntime);

        Assert.AreEqual(0, passes, "no one-row pass ran the TorchSharp module");
        AssertAgree(transformScores, engineScores, 1e-5);
        CollectionAssert.AreEqual(transformLabels, engineLabels);
        Assert.IsGreaterThan(1, engineLabels.Distinct().Count(), "the scores are a trained network's, not a constant");
    }

    [TestMethod]
    public void LibTorchOneRowPassesRunTheModuleAndAgreeWithTransform()
    {
        var (passes, engineScores, engineLabels, transformScores, transformLabels) = Score(OneRowScoring.LibTorch);

        Assert.AreEqual(Rows, passes, "one forward pass of the module per row");
        AssertAgree(transformScores, engineScores, 1e-5);
        CollectionAssert.AreEqual(transformLabels, engineLabels);
    }

    [TestMethod]
    public void AnUnknownOneRowScoringIsRefusedByName()
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext(seed: 1).MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 1, OneRowScoring = (OneRowScoring)7,
        }).Fit(SyntheticImages.Create(32)));
        Assert.AreEqual(nameof(CnnTrainerOptions.OneRowScoring), error.ParamName);
        StringAssert.Contains(error.Message, "OnnxRuntime or LibTorch");
    }

    private sealed class ImageInput
    {
        [VectorType(784)]
        public float[] Image { get; set; } = [];
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }
}
