using CnnMl.Architectures;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Tests.Scoring;

/// <summary>
/// <see cref="ScoringOptions.OneRowScoring"/>: a prediction engine's one-row passes run in ONNX Runtime by default
/// (the module's forward never runs for them) and in the TorchSharp module with <see cref="OneRowScoring.LibTorch"/>;
/// either way they agree with <c>Transform</c>.
/// </summary>
[TestClass]
public sealed class OneRowScoringTests
{
    private const int Rows = 24;
    private static readonly string[] Names = ["north", "east", "south", "west"];

    /// <summary>A network with no ONNX export: a module type the exporter does not know.</summary>
    private sealed class UnexportableNetwork : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear fc;

        public UnexportableNetwork(ImageShape input, int classes) : base(nameof(UnexportableNetwork))
        {
            fc = nn.Linear(input.ElementCount, classes);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => fc.call(x.flatten(1));
    }

    private static (int ForwardPasses, float[][] EngineScores, uint[] EngineLabels, float[][] TransformScores, uint[] TransformLabels, List<string> Log) Score(
        OneRowScoring oneRowScoring, CnnArchitecture? custom = null)
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) =>
        {
            lock (log) log.Add(e.Message);
        };
        var data = SyntheticImages.Create(128, names: Names, seed: 4);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 1, BatchSize = 32, ReportEveryBatches = 0, Seed = 1, Scoring = { OneRowScoring = oneRowScoring }, CustomArchitecture = custom,
        }).Fit(data);
        lock (log) log.Clear();
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
        var engine = ml.Model.CreatePredictionEngine<ImageInput, KeyPrediction>(model);
        var predictions = images.Select(image => engine.Predict(new ImageInput { Image = image })).ToArray();
        hook.remove();
        return (passes, predictions.Select(p => p.Score).ToArray(), predictions.Select(p => p.PredictedLabel).ToArray(), transformScores, transformLabels, log);
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
        var (passes, engineScores, engineLabels, transformScores, transformLabels, log) = Score(OneRowScoring.OnnxRuntime);

        Assert.AreEqual(0, passes, "no one-row pass ran the TorchSharp module");
        Assert.AreEqual(1, log.Count(m => m.Contains("One-row scoring: the network's ONNX export", StringComparison.Ordinal)), string.Join(Environment.NewLine, log));
        AssertAgree(transformScores, engineScores, 1e-5);
        CollectionAssert.AreEqual(transformLabels, engineLabels);
        Assert.IsGreaterThan(1, engineLabels.Distinct().Count(), "the scores are a trained network's, not a constant");
    }

    [TestMethod]
    public void LibTorchOneRowPassesRunTheModuleAndAgreeWithTransform()
    {
        var (passes, engineScores, engineLabels, transformScores, transformLabels, log) = Score(OneRowScoring.LibTorch);

        Assert.AreEqual(Rows, passes, "one forward pass of the module per row");
        Assert.IsFalse(log.Any(m => m.Contains("One-row scoring", StringComparison.Ordinal)), "no session was built");
        AssertAgree(transformScores, engineScores, 1e-5);
        CollectionAssert.AreEqual(transformLabels, engineLabels);
    }

    [TestMethod]
    public void ANetworkWithoutAnOnnxExportScoresOneRowInLibTorchAndTheLogSaysWhy()
    {
        var custom = new CnnArchitecture("unexportable", "a linear layer in a module the ONNX exporter does not know", new ImageShape(1, 28, 28), 4,
            (input, classes) => new UnexportableNetwork(input, classes));
        var (passes, engineScores, engineLabels, transformScores, transformLabels, log) = Score(OneRowScoring.OnnxRuntime, custom);

        Assert.AreEqual(Rows, passes, "libtorch scored every row");
        var message = log.Single(m => m.Contains("One-row scoring", StringComparison.Ordinal));
        StringAssert.Contains(message, "libtorch, since the network cannot run in ONNX Runtime");
        StringAssert.Contains(message, nameof(UnexportableNetwork));
        AssertAgree(transformScores, engineScores, 1e-5);
        CollectionAssert.AreEqual(transformLabels, engineLabels);
    }

    [TestMethod]
    public void AnUnknownOneRowScoringIsRefusedByName()
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext(seed: 1).MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            Epochs = 1, Scoring = { OneRowScoring = (OneRowScoring)7 },
        }).Fit(SyntheticImages.Create(32)));
        Assert.AreEqual("Scoring.OneRowScoring", error.ParamName);
        StringAssert.Contains(error.Message, "OneRowScoring is 7, not one of its values: OnnxRuntime, LibTorch.");
    }
}
