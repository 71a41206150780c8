using CnnMl.Architectures;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

[TestClass]
public sealed class MnistCnnTests
{
    [TestMethod]
    public void HasPyTorchParameterCountAndNames()
    {
        using var module = CnnArchitectures.Get(CnnArchitectures.MnistCnn).Create();
        var parameters = module.named_parameters().ToList();
        Assert.AreEqual(121_514L, parameters.Sum(p => p.parameter.numel()));
        CollectionAssert.AreEqual(
            new[]
            {
                "conv1.0.weight", "conv1.0.bias", "conv2.0.weight", "conv2.0.bias", "conv2.2.weight", "conv2.2.bias",
                "conv3.0.weight", "conv3.0.bias", "out.weight", "out.bias",
            },
            parameters.Select(p => p.name).ToArray());
        CollectionAssert.AreEqual(new long[] { 10, 3136 }, parameters[^2].parameter.shape);
    }

    [TestMethod]
    public void MapsBatchToLogits()
    {
        using var module = CnnArchitectures.Get(CnnArchitectures.MnistCnn).Create(new ImageShape(3, 32, 20), 7);
        using var x = rand(5, 3, 32, 20);
        using var y = module.call(x);
        CollectionAssert.AreEqual(new long[] { 5, 7 }, y.shape);
    }

    [TestMethod]
    public void RejectsAVolume()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CnnArchitectures.Get(CnnArchitectures.MnistCnn).Create(new ImageShape(1, 8, 28, 28), 10));
        StringAssert.Contains(ex.Message, "'mnist-cnn' takes CxHxW");
        StringAssert.Contains(ex.Message, "1x8x28x28");
    }
}
