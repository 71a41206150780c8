using CnnMl.Training;
using static TorchSharp.torch;

namespace CnnMl.Tests.Training;

/// <summary>Label smoothing and class weights change the training loss as their formulas say.</summary>
[TestClass]
public sealed class ClassificationLossTests
{
    // Two examples, three classes: logits [2, 0, 0] with label 0 and [0, 1, 0] with label 2.
    private static readonly float[,] Logits = { { 2, 0, 0 }, { 0, 1, 0 } };
    private static readonly long[] Labels = [0, 2];

    /// <summary>−log softmax(z)ₖ for each example and class, in double precision.</summary>
    private static double[][] NegativeLogProbabilities() =>
        Enumerable.Range(0, 2).Select(i =>
        {
            var z = Enumerable.Range(0, 3).Select(k => (double)Logits[i, k]).ToArray();
            var logSumExp = Math.Log(z.Sum(Math.Exp));
            return z.Select(v => logSumExp - v).ToArray();
        }).ToArray();

    private static double Loss(double smoothing, float[]? weights)
    {
        using var scope = NewDisposeScope();
        using var loss = new ClassificationLoss(smoothing, weights, CPU);
        return loss.Compute(tensor(Logits), tensor(Labels)).item<float>();
    }

    [TestMethod]
    public void WithoutOptionsItIsTheMeanCrossEntropy()
    {
        var nll = NegativeLogProbabilities();
        var expected = (nll[0][0] + nll[1][2]) / 2; // (0.2395447 + 1.5514448) / 2
        Assert.AreEqual(0.8954947, expected, 1e-6);
        Assert.AreEqual(expected, Loss(0, null), 1e-6);
    }

    [TestMethod]
    public void LabelSmoothingMixesInTheMeanOverAllClasses()
    {
        // ε = 0.1: ℓᵢ = (1 − ε)·(−log p_yᵢ) + ε · (1/C) Σₖ (−log pₖ).
        var nll = NegativeLogProbabilities();
        const double epsilon = 0.1;
        var expected = Enumerable.Range(0, 2).Average(i => (1 - epsilon) * nll[i][Labels[i]] + epsilon * nll[i].Average());
        Assert.AreEqual(0.9454947, expected, 1e-6);
        Assert.AreEqual(expected, Loss(epsilon, null), 1e-6);
    }

    [TestMethod]
    public void ClassWeightsWeighEachExampleByItsClassAndNormalizeByTheWeights()
    {
        // weights [1, 1, 3]: (1·ℓ₀ + 3·ℓ₁) / (1 + 3).
        var nll = NegativeLogProbabilities();
        var expected = (1 * nll[0][0] + 3 * nll[1][2]) / 4;
        Assert.AreEqual(1.2234697, expected, 1e-6);
        Assert.AreEqual(expected, Loss(0, [1f, 1f, 3f]), 1e-6);
        Assert.AreEqual(Loss(0, null), Loss(0, [2f, 2f, 2f]), 1e-6, "equal weights change nothing");
    }
}
