using CnnMl.Architectures;
using CnnMl.Inspection;

namespace CnnMl.Tests.Inspection;

[TestClass]
public sealed class ShapeTraceTests
{
    [TestMethod]
    public void LeNetTraceReadsLikeTheDocument()
    {
        using var net = CnnArchitectures.Get(CnnArchitectures.LeNet5).Create();
        var trace = ShapeTrace.Of(net, new ImageShape(1, 28, 28));

        var lines = trace.ToString().Split('\n');
        Assert.HasCount(12, lines);
        Assert.AreEqual("Conv2d    output shape: [1, 6, 28, 28]", lines[0]);
        Assert.AreEqual("Flatten   output shape: [1, 400]", lines[6]);
        Assert.AreEqual("Linear    output shape: [1, 10]", lines[11]);
        CollectionAssert.AreEqual(
            new[] { "Conv2d", "Sigmoid", "AvgPool2d", "Conv2d", "Sigmoid", "AvgPool2d", "Flatten", "Linear", "Sigmoid", "Linear", "Sigmoid", "Linear" },
            trace.Steps.Select(s => s.Type).ToArray());
    }

    [TestMethod]
    public void DeeperTraceListsTheLayersInsideContainers()
    {
        var summary = ModelSummary.Of(CnnArchitectures.MnistCnn, new ImageShape(1, 28, 28), 10);
        var trace = ShapeTrace.From(summary, depth: 2);
        CollectionAssert.AreEqual(
            new[] { "conv1.0", "conv1.1", "conv1.2", "conv2.0", "conv2.1", "conv2.2", "conv2.3", "conv2.4", "conv3.0", "conv3.1" },
            trace.Steps.Select(s => s.Name).ToArray());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ShapeTrace.From(summary, -1));
    }
}
