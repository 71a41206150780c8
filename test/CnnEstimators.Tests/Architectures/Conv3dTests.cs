using CnnMl.Architectures;
using CnnMl.Tests.Support;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

[TestClass]
public sealed class Conv3dTests
{
    [TestMethod]
    public void MapsTheDocumentsVolumeBatchLikeNnConv3d()
    {
        // The source document: nn.Conv3d(16, 33, (3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1)) on (20, 16, 10, 50, 100).
        using var block = new Conv3dBlock(16, 33, kernelSize: 3, batchNormAndReLU: false);
        Assert.AreEqual(14_289L, block.parameters().Sum(p => p.numel()));
        CollectionAssert.AreEqual(new long[] { 33, 16, 3, 3, 3 }, block.named_parameters().First().parameter.shape);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var y = block.call(randn(new long[] { 20, 16, 10, 50, 100 }));
        CollectionAssert.AreEqual(new long[] { 20, 33, 10, 50, 100 }, y.shape);
    }

    [TestMethod]
    public void ReproducesPyTorchsNnConv3dValueForValue()
    {
        // scripts/pytorch/make_fixtures.py, made by the test set-up: the source document's nn.Conv3d(16, 33, (3, 3, 3),
        // padding=1) with PyTorch's own initialization (seed 0), on a 2x16x5x7x9 batch of torch.randn (the source document's
        // 20x16x10x50x100 would make a 130 MB output file), output computed by PyTorch 1.13.
        var json = TestPaths.GeneratedFixture("conv3d-16-33.json");
        var inputShape = PyTorchStateDict.FixtureShape(json, "input_shape");
        var outputShape = PyTorchStateDict.FixtureShape(json, "output_shape");
        CollectionAssert.AreEqual(new long[] { 2, 16, 5, 7, 9 }, inputShape);
        CollectionAssert.AreEqual(new long[] { 2, 33, 5, 7, 9 }, outputShape);
        using var block = new Conv3dBlock(16, 33, kernelSize: 3, batchNormAndReLU: false);
        block.load_py(TestPaths.GeneratedFixture("conv3d-16-33.pt"), strict: true);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = PyTorchStateDict.ReadFloat32(TestPaths.GeneratedFixture("conv3d-16-33.input.f32"), inputShape);
        var expected = PyTorchStateDict.ReadFloat32(TestPaths.GeneratedFixture("conv3d-16-33.output.f32"), outputShape);
        var y = block.call(x);
        CollectionAssert.AreEqual(outputShape, y.shape);
        // Each output sums 432 products (16 channels x 27 taps) and a bias: float32 rounding in either library.
        var tolerance = 1e-5 * Math.Max(1.0, expected.abs().max().item<float>());
        var error = (y - expected).abs().max().item<float>();
        Assert.IsLessThanOrEqualTo(tolerance, error, $"max |difference| from PyTorch's nn.Conv3d {error:E2}");

        // The same kernel run backwards in time (flipped along D) is far from PyTorch's: the comparison sees depth order.
        var weight = block.named_parameters().First(p => p.name == "conv.weight").parameter;
        weight.copy_(weight.flip(2));
        var flipped = (block.call(x) - expected).abs().max().item<float>();
        Assert.IsGreaterThan(100 * tolerance, flipped, $"a depth-flipped kernel should miss PyTorch's output by far more than {tolerance:E1}");
    }

    [TestMethod]
    public void KernelSlidesAlongDepth()
    {
        using var scope = NewDisposeScope();
        using var block = new Conv3dBlock(1, 1, batchNormAndReLU: false, bias: false);
        using (no_grad())
            block.named_parameters().Single().parameter.fill_(1);
        // A single bright voxel in frame 2 reaches frames 1, 2 and 3 of the output, not 0 or 4.
        var x = zeros(new long[] { 1, 1, 5, 5, 5 });
        x[0, 0, 2, 2, 2] = tensor(1f);
        var y = block.call(x).detach();
        CollectionAssert.AreEqual(new float[] { 0, 1, 1, 1, 0 }, y[0, 0, TensorIndex.Colon, 2, 2].data<float>().ToArray());
    }

    [TestMethod]
    public void StridePerAxisKeepsEveryFrame()
    {
        using var block = new Conv3dBlock(1, 4, (1, 2, 2));
        using var y = block.call(rand(new long[] { 2, 1, 8, 28, 28 }));
        CollectionAssert.AreEqual(new long[] { 2, 4, 8, 14, 14 }, y.shape);
    }

    [TestMethod]
    public void NetworkClassifiesVolumes()
    {
        using var net = CnnArchitectures.Get(CnnArchitectures.Conv3d).Create();
        using var y = net.call(rand(new long[] { 3, 1, 8, 28, 28 }));
        CollectionAssert.AreEqual(new long[] { 3, 10 }, y.shape);
    }

    [TestMethod]
    public void NetworkRejectsImagesAndShallowVolumes()
    {
        var architecture = CnnArchitectures.Get(CnnArchitectures.Conv3d);
        var flat = Assert.ThrowsExactly<ArgumentException>(() => architecture.Create(new ImageShape(1, 28, 28), 10));
        StringAssert.Contains(flat.Message, "'conv3d' takes CxDxHxW (a volume) input; got 1x28x28");
        var shallow = Assert.ThrowsExactly<ArgumentException>(() => architecture.Create(new ImageShape(1, 3, 28, 28), 10));
        StringAssert.Contains(shallow.Message, "cannot take input 1x3x28x28");
        StringAssert.Contains(shallow.Message, "at least 4x7x7");
        var narrow = Assert.ThrowsExactly<ArgumentException>(() => architecture.Create(new ImageShape(1, 8, 28, 6), 10));
        StringAssert.Contains(narrow.Message, "got 6 on axis 3");
        using var smallest = architecture.Create(new ImageShape(1, 4, 7, 7), 10);
        using var y = smallest.call(rand(new long[] { 2, 1, 4, 7, 7 }));
        CollectionAssert.AreEqual(new long[] { 2, 10 }, y.shape);
    }
}
