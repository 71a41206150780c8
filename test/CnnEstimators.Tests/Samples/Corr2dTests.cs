using CnnMl.Samples.ConvFromScratch;
using static TorchSharp.torch;

namespace CnnMl.Tests.Samples;

[TestClass]
public sealed class Corr2dTests
{
    [TestMethod]
    public void ComputesTheDocumentsExample()
    {
        using var scope = NewDisposeScope();
        var X = tensor(new float[,] { { 0, 1, 2 }, { 3, 4, 5 }, { 6, 7, 8 } });
        var K = tensor(new float[,] { { 0, 1 }, { 2, 3 } });
        var Y = Corr2d.Compute(X, K);
        CollectionAssert.AreEqual(new long[] { 2, 2 }, Y.shape);
        CollectionAssert.AreEqual(new float[] { 19, 25, 37, 43 }, Y.data<float>().ToArray());
    }

    [TestMethod]
    public void EqualsLibtorchsConvolution()
    {
        using var scope = NewDisposeScope();
        var X = randn(7, 9);
        var K = randn(3, 2);
        var expected = nn.functional.conv2d(X.reshape(1, 1, 7, 9), K.reshape(1, 1, 3, 2)).reshape(5, 8);
        Assert.IsTrue(Corr2d.Compute(X, K).allclose(expected, rtol: 1e-5, atol: 1e-5));
    }

    [TestMethod]
    public void DetectsVerticalEdgesOnly()
    {
        using var scope = NewDisposeScope();
        var X = EdgeDetection.Image();
        var Y = Corr2d.Compute(X, EdgeDetection.Kernel());
        CollectionAssert.AreEqual(new long[] { 6, 7 }, Y.shape);
        for (var row = 0; row < 6; row++)
            CollectionAssert.AreEqual(new float[] { 0, 1, 0, 0, 0, -1, 0 }, Y[row].data<float>().ToArray(), $"row {row}");

        var transposed = Corr2d.Compute(X.t(), EdgeDetection.Kernel());
        CollectionAssert.AreEqual(new long[] { 8, 5 }, transposed.shape);
        Assert.AreEqual(0f, transposed.abs().max().item<float>());
    }

    [TestMethod]
    public void IsDifferentiable()
    {
        using var scope = NewDisposeScope();
        var X = tensor(new float[,] { { 0, 1, 2 }, { 3, 4, 5 }, { 6, 7, 8 } });
        var K = tensor(new float[,] { { 0, 1 }, { 2, 3 } }).requires_grad_();
        Corr2d.Compute(X, K).sum().backward();
        // d(sum Y)/dK[a, b] = sum of the 2×2 windows' element (a, b).
        CollectionAssert.AreEqual(new float[] { 8, 12, 20, 24 }, K.grad!.data<float>().ToArray());
    }

    [TestMethod]
    public void RejectsAKernelLargerThanTheInput()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Corr2d.Compute(ones(2, 2), ones(3, 1)));
        StringAssert.Contains(ex.Message, "kernel 3x1 does not fit in input 2x2");
    }

    [TestMethod]
    public void Conv2DLayerHasTheDocumentsParametersAndForward()
    {
        using var scope = NewDisposeScope();
        using var layer = new HandWrittenConv2d(1, 2);
        CollectionAssert.AreEqual(new[] { "weight", "bias" }, layer.named_parameters().Select(p => p.name).ToArray());
        CollectionAssert.AreEqual(new long[] { 1, 2 }, layer.Weight.shape);
        CollectionAssert.AreEqual(new long[] { 1 }, layer.Bias.shape);
        Assert.AreEqual(0f, layer.Bias.item<float>());
        var w = layer.Weight.data<float>().ToArray();
        Assert.IsTrue(w.All(v => v >= 0 && v < 1), "uniform [0, 1) initialization");

        // With kernel [[1, −1]] and bias 0.5 the source document's image gives its edge map plus 0.5: worked out by hand.
        using (no_grad())
        {
            layer.Weight.copy_(EdgeDetection.Kernel());
            layer.Bias.fill_(0.5f);
        }
        var Y = layer.call(EdgeDetection.Image());
        CollectionAssert.AreEqual(new long[] { 6, 7 }, Y.shape);
        for (var row = 0; row < 6; row++)
            CollectionAssert.AreEqual(new[] { 0.5f, 1.5f, 0.5f, 0.5f, 0.5f, -0.5f, 0.5f }, Y[row].data<float>().ToArray(), $"row {row}");

        // Random kernel and bias against libtorch's own convolution.
        var X = randn(5, 6);
        using (no_grad())
        {
            layer.Weight.copy_(randn(1, 2));
            layer.Bias.copy_(randn(1));
        }
        var expected = nn.functional.conv2d(X.reshape(1, 1, 5, 6), layer.Weight.detach().reshape(1, 1, 1, 2), layer.Bias.detach()).reshape(5, 5);
        Assert.IsTrue(layer.call(X).allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [TestMethod]
    public void Conv2DLayerLearnsTheEdgeKernel()
    {
        using var scope = NewDisposeScope();
        using var layer = new HandWrittenConv2d(1, 2);
        var X = EdgeDetection.Image();
        var Y = Corr2d.Compute(X, EdgeDetection.Kernel());
        // With the bias the summed squared error is steeper than the source document's bias-free case; lr 1e-2 stays stable.
        const double lr = 1e-2;
        double first = 0, last = 0;
        for (var step = 0; step < 100; step++)
        {
            using var stepScope = NewDisposeScope();
            var loss = (layer.call(X) - Y).pow(2).sum();
            layer.zero_grad();
            loss.backward();
            using (no_grad())
            {
                layer.Weight.sub_(layer.Weight.grad! * lr);
                layer.Bias.sub_(layer.Bias.grad! * lr);
            }
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.IsTrue(last < first / 100, $"loss {first} → {last}");
        var k = layer.Weight.data<float>().ToArray();
        Assert.AreEqual(1.0, k[0], 0.1);
        Assert.AreEqual(-1.0, k[1], 0.1);
        Assert.AreEqual(0.0, layer.Bias.item<float>(), 0.1);
    }
}
