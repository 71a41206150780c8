using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Inspection;
using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using static TorchSharp.torch;

namespace CnnMl.Tests.Evaluation;

/// <summary>
/// The small MNIST CondenseNet trained through the MLContext estimator: two epochs on the first 10,000 training
/// images (2 × 157 batches of 64), evaluated by ML.NET on the 10,000 test images. Its narrow convolutions are checked by
/// the oneDNN probe (OneDnnMode.Auto; see OneDnnLayerTests). The official PyTorch code with the same network and
/// settings reached 93.9% after one epoch.
/// </summary>
/// <remarks>
/// Micro-accuracy under this protocol (one thread, oneDNN probe; <c>CNNML_EVALUATION_SEED</c> 1–3, seed 1 is what the
/// test runs); margin = half the smallest gap, rounded down to a tenth of a point:
/// <code>
///                          seed 1   seed 2   seed 3   smallest gap → margin
/// condensenet, 2 epochs    95.35%   95.33%   95.14%
/// 784-256-10 MLP, 2 epochs 92.37%   92.42%   91.64%   2.91 points → 1.4
/// </code>
/// Two epochs, not one: after one epoch condensenet gave 94.15%, 91.89%, 93.17% beside the MLP's 90.74%, 90.82%,
/// 90.28% (smallest gap 1.07 points, a margin of 0.5). The floor, 94%, lies above the MLP's best seed (92.42%) and below
/// condensenet's worst (95.14%): the MLP, the weaker model, fails it (a floor of 90% was passed by the MLP itself).
/// The 2-epoch MLP is the run BigLittleEvaluationTests compares with (trained once per test process). One filtered run
/// of this class: 80 CPU seconds (user + sys).
/// </remarks>
[TestClass]
[TestCategory("Evaluation")]
public sealed class CondenseNetEvaluationTests
{
    // The registered condensenet network, built through an unregistered architecture object that keeps a reference
    // to the training form, so the test can watch its learned group convolutions while Fit runs.
    private const string Probe = "condensenet-evaluation-probe";
    private const int Epochs = 2;
    private const int BatchesPerEpoch = 157; // ⌈10,000 / 64⌉
    private const double Floor = 0.94;
    private const double Margin = 0.014;
    private static CondenseNet? _trainingForm;

    private readonly List<(int Batch, int[] Stages)> _stages = new(); // Batch: counted over the whole run, from 1
    private long[][]? _keptAtEnd;

    [TestMethod]
    public void TwoEpochsOnTenThousandImagesReach94PercentAndBeatTheMlpAndScoreWithTheCondensedModel()
    {
        var condensenet = CnnArchitectures.Get(CnnArchitectures.CondenseNet);
        var probe = new CnnArchitecture(Probe, condensenet.Description, condensenet.DefaultInput, condensenet.DefaultClasses,
            (input, classes) => _trainingForm = (CondenseNet)condensenet.Create(input, classes));
        var data = MnistEvaluation.Load(10_000);
        var accuracy = MnistEvaluation.MicroAccuracy(data, probe, epochs: Epochs,
            customise: o =>
            {
                o.ReportEveryBatches = 1;
                o.Progress = new SynchronousProgress<TrainingReport>(Watch);
            },
            inspect: AssertCondensedDuringFit);
        var baseline = MnistEvaluation.SharedAccuracy(data, NoConvolutionBaselines.Mlp, epochs: Epochs);
        Assert.IsGreaterThanOrEqualTo(Floor, accuracy, $"condensenet micro-accuracy {accuracy:P2} (floor {Floor:P1}, above the MLP's best seed)");
        MnistEvaluation.AssertBeatsBaseline("condensenet", accuracy, baseline, Margin);
    }

    /// <summary>Called on the training thread with every report, while the training form is alive.</summary>
    private void Watch(TrainingReport report)
    {
        using var scope = NewDisposeScope();
        var learned = _trainingForm!.LearnedGroupConvs;
        if (report.Kind == TrainingReportKind.Batch)
            _stages.Add(((report.Epoch - 1) * BatchesPerEpoch + report.Batch, learned.Select(c => c.Stage).ToArray()));
        if (report.Kind != TrainingReportKind.Completed) return;

        // After the last batch, before the conversion: every group of every layer reads Cin / C inputs.
        foreach (var conv in learned)
        {
            Assert.AreEqual(conv.FinalStage, conv.Stage);
            Assert.AreEqual(3 * conv.InChannels / 4, conv.DroppedPerGroup);
            var keptPerGroup = conv.GroupMask().sum(dim: 1).data<float>().ToArray();
            CollectionAssert.AreEqual(Enumerable.Repeat((float)(conv.InChannels / 4), conv.Groups).ToArray(), keptPerGroup);
        }
        _keptAtEnd = learned.Select(c => c.KeptInputsPerGroup().SelectMany(k => k).ToArray()).ToArray();
    }

    private void AssertCondensedDuringFit(CnnTransformer model)
    {
        // The condensing stages ran inside Fit on the official schedule: stage s from progress s/6 of all N = 2 · 157
        // batches, i.e. before batch index ⌈N·s/6⌉ = 53, 105, 157 (so first seen in the reports after batch numbers
        // 54, 106 and 158 of the run). Every batch reports but the last of each epoch, which ends it.
        const int total = Epochs * BatchesPerEpoch;
        Assert.HasCount(Epochs * (BatchesPerEpoch - 1), _stages);
        foreach (var (batch, perLayer) in _stages)
        {
            var expected = Enumerable.Range(1, 3).Count(stage => 6 * (batch - 1) >= total * stage);
            CollectionAssert.AreEqual(Enumerable.Repeat(expected, perLayer.Length).ToArray(), perLayer, $"stages after batch {batch}");
        }

        // Fit returned the condensed model, read from the final masks.
        Assert.IsTrue(model.Definition.IsConvertedForInference);
        var condensed = Assert.IsInstanceOfType<CondensedCondenseNet>(model.Module);
        Assert.IsNotNull(_keptAtEnd, "no Completed report");
        var indices = condensed.CondenseConvs.Select(c => c.Index.data<long>().ToArray()).ToArray();
        Assert.HasCount(_keptAtEnd.Length, indices);
        for (var i = 0; i < indices.Length; i++) CollectionAssert.AreEqual(_keptAtEnd[i], indices[i], $"layer {i}");

        // Fewer parameters and MACs than the training form, as the summary reports them.
        var input = new ImageShape(1, 28, 28);
        using var fresh = CnnArchitectures.Get(CnnArchitectures.CondenseNet).Create();
        var training = ModelSummary.Of(fresh, input);
        var inference = ModelSummary.Of(model.Module, input);
        Console.WriteLine($"condensenet: parameters {training.TotalParameters:N0} → {inference.TotalParameters:N0}, MACs {training.Macs:N0} → {inference.Macs:N0}");
        Assert.IsLessThan(training.TotalParameters, inference.TotalParameters);
        Assert.IsLessThan(training.Macs, inference.Macs);
    }
}
