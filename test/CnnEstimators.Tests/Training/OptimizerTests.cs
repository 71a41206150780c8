using CnnMl.Optimizers;
using CnnMl.Training;
using static TorchSharp.torch;

namespace CnnMl.Tests.Training;

/// <summary>
/// The optimizers the options build, checked step by step against updates worked out by hand from PyTorch's
/// definitions, on one linear layer w = [1, −2] with loss w·x, x = [3, 0.5] (so the gradient is x at every step).
/// </summary>
[TestClass]
public sealed class OptimizerTests
{
    private static float[] TwoSteps(CnnTrainerOptions options)
    {
        using var layer = nn.Linear(2, 1, hasBias: false);
        using (no_grad()) layer.weight!.copy_(tensor(new float[,] { { 1f, -2f } }));
        using var optimizer = options.Optimizer.Create(layer.parameters());
        using var x = tensor(new float[,] { { 3f, 0.5f } });
        for (var step = 0; step < 2; step++)
        {
            optimizer.zero_grad();
            using (var loss = layer.call(x).sum()) loss.backward();
            optimizer.step();
        }
        return layer.weight!.data<float>().ToArray();
    }

    private static void AssertWeights(double[] expected, float[] actual, string what)
    {
        for (var i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-6, $"{what}: w[{i}]");
    }

    [TestMethod]
    public void SgdWithNesterovMomentumAndWeightDecay()
    {
        // torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True):
        //   g = ∇ + λw;  buf = g (first step) or μ·buf + g;  w −= lr · (g + μ·buf)
        // step 1: g = [3.01, 0.48], buf = g, w = [1, −2] − 0.1·[5.719, 0.912] = [0.4281, −2.0912]
        // step 2: g = [3.004281, 0.479088], buf = [5.713281, 0.911088], w −= 0.1·[8.1462339, 1.2990672]
        var w = TwoSteps(new CnnTrainerOptions { Optimizer = new Sgd { LearningRate = 0.1, Momentum = 0.9, Nesterov = true, WeightDecay = 0.01 } });
        AssertWeights([-0.38652339, -2.22110672], w, "SGD Nesterov");
    }

    [TestMethod]
    public void SgdWithPlainMomentum()
    {
        // momentum 0.9, no decay: buf₁ = [3, 0.5], w₁ = [0.7, −2.05]; buf₂ = [5.7, 0.95], w₂ = [0.13, −2.145].
        var w = TwoSteps(new CnnTrainerOptions { Optimizer = new Sgd { LearningRate = 0.1, Momentum = 0.9 } });
        AssertWeights([0.13, -2.145], w, "SGD momentum");
    }

    [TestMethod]
    public void AdamWDecaysTheWeightsApartFromTheGradientWithPyTorchsDefaultDecay()
    {
        // torch.optim.AdamW(lr=0.1, weight_decay=0.01 — PyTorch's default, AdamW's default WeightDecay):
        //   w ← w·(1 − lr·λ), then w −= lr · m̂ / (√v̂ + ε). With a constant gradient m̂/√v̂ = 1 at every step, so
        //   step 1: [1, −2]·0.999 − 0.1 = [0.899, −2.098];  step 2: [0.899, −2.098]·0.999 − 0.1 = [0.798101, −2.195902].
        var w = TwoSteps(new CnnTrainerOptions { Optimizer = new AdamW { LearningRate = 0.1 } });
        AssertWeights([0.798101, -2.195902], w, "AdamW");
    }

    [TestMethod]
    public void AdamAddsWeightDecayToTheGradient()
    {
        // torch.optim.Adam(lr=0.1, weight_decay=0.01): g = ∇ + λw, m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g²,
        // w −= lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
        // step 1: g = [3.01, 0.48], m̂/√v̂ = 1 → w = [0.9, −2.1] (AdamW gives [0.899, −2.098]: there the decay bypasses m̂/√v̂)
        // step 2: g = [3.009, 0.479], m = [0.5718, 0.0911], v = [0.01810512, 0.00045961]
        //         → w = [0.9 − 0.0999991, −2.1 − 0.0999945] = [0.8000009, −2.1999945]
        var w = TwoSteps(new CnnTrainerOptions { Optimizer = new Adam { LearningRate = 0.1, WeightDecay = 0.01 } });
        AssertWeights([0.8000009, -2.1999945], w, "Adam L2");
    }

    [TestMethod]
    public void DefaultsAreThoseOfTheSourceDocument()
    {
        var options = new CnnTrainerOptions();
        var adam = Assert.IsInstanceOfType<Adam>(options.Optimizer);
        Assert.AreEqual(typeof(Adam), adam.GetType());
        Assert.AreEqual(1e-3, adam.LearningRate);
        Assert.AreEqual(0.0, adam.WeightDecay);
        Assert.AreEqual((0.9, 0.999, 1e-8), (adam.Beta1, adam.Beta2, adam.Eps), "PyTorch's Adam defaults");
        Assert.AreEqual(0.01, new AdamW().WeightDecay);
        Assert.AreEqual(1e-3, new AdamW().LearningRate);
        Assert.AreEqual(1e-3, new Sgd().LearningRate);
        Assert.AreEqual("Adam lr 0.001", options.DescribeOptimizer());
        Assert.AreEqual("AdamW lr 0.001, weight decay 0.01", new CnnTrainerOptions { Optimizer = new AdamW() }.DescribeOptimizer());
        Assert.AreEqual("Sgd lr 0.1, momentum 0.9 (Nesterov), weight decay 0.0005, cosine annealing to 0",
            new CnnTrainerOptions
            {
                Optimizer = new Sgd { LearningRate = 0.1, Momentum = 0.9, Nesterov = true, WeightDecay = 5e-4 },
                Schedule = new CosineLearningRate(),
            }.DescribeOptimizer());
    }
}
