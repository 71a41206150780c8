using CnnMl.Samples.ConvFromScratch;

namespace CnnMl.Tests.Samples;

[TestClass]
public sealed class KernelLearningTests
{
    [TestMethod]
    public void RecoversTheEdgeKernelInTenStepsFromRandomStart()
    {
        var result = KernelLearning.Run();
        CollectionAssert.AreEqual(new[] { 2, 4, 6, 8, 10 }, result.Losses.Select(l => l.Step).ToArray());
        Assert.AreEqual(2, result.Kernel.Count);
        Assert.AreEqual(1.0, result.Kernel[0], 0.1, string.Join(", ", result.Kernel));
        Assert.AreEqual(-1.0, result.Kernel[1], 0.1, string.Join(", ", result.Kernel));
        Assert.IsTrue(result.Losses[^1].Loss < result.Losses[0].Loss, "the loss falls");
    }

    [TestMethod]
    public void FollowsTheManualSgdUpdateExactly()
    {
        // From k = [0, 0]: the gradient of Σ(ŷ − y)² is −2·Σ y·x over the windows: y = +1 at (x₀, x₁) = (1, 0), −1 at (0, 1),
        // six rows each, so grad = [−12, 12] and one step of lr 3e-2 gives [0.36, −0.36]; the loss of step 1 is Σ y² = 12.
        var result = KernelLearning.Run(steps: 1, reportEvery: 1, initialKernel: [0f, 0f]);
        Assert.AreEqual(12.0, result.Losses.Single().Loss, 1e-6);
        Assert.AreEqual(0.36, result.Kernel[0], 1e-6);
        Assert.AreEqual(-0.36, result.Kernel[1], 1e-6);
    }

    [TestMethod]
    public void RejectsAKernelOfTheWrongSize()
    {
        Assert.ThrowsExactly<ArgumentException>(() => KernelLearning.Run(initialKernel: [1f, 2f, 3f]));
    }
}
