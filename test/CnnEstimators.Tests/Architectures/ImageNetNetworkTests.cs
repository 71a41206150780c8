using CnnMl.Architectures;
using CnnMl.Inspection;
using CnnMl.Tests.Support;
using static TorchSharp.torch;
using TorchVisionModels = TorchSharp.torchvision.models;

namespace CnnMl.Tests.Architectures;

[TestClass]
public sealed class ImageNetNetworkTests
{
    [TestMethod]
    [DataRow(CnnArchitectures.ResNet18, 11_689_512L)]
    [DataRow(CnnArchitectures.ResNet50, 25_557_032L)]
    [DataRow(CnnArchitectures.ResNeXt50_32x4d, 25_028_904L)]
    [DataRow(CnnArchitectures.MobileNetV2, 3_504_872L)]
    public void HasTorchvisionsParameterCount(string name, long expected)
    {
        var architecture = CnnArchitectures.Get(name);
        Assert.AreEqual(new ImageShape(3, 224, 224), architecture.DefaultInput);
        Assert.AreEqual(1000, architecture.DefaultClasses);
        // The module's own parameter sizes, counted when the shared summary built it (ImageNetSummaries).
        Assert.AreEqual(expected, ImageNetSummaries.OfRegistry(name).ParameterSum);
    }

    [TestMethod]
    [DataRow(CnnArchitectures.ResNet18)]
    [DataRow(CnnArchitectures.ResNet50)]
    [DataRow(CnnArchitectures.ResNeXt50_32x4d)]
    [DataRow(CnnArchitectures.MobileNetV2)]
    public void StateDictNamesAndShapesAreTorchvisionsInOrder(string name)
    {
        var json = TestPaths.RepositoryFixture(name + ".json");
        using var module = CnnArchitectures.Get(name).Create();
        var expected = PyTorchStateDict.Format(PyTorchStateDict.FixtureEntries(json));
        var actual = PyTorchStateDict.Format(PyTorchStateDict.Entries(module));
        CollectionAssert.AreEqual(expected, actual);
        // TorchSharp's own state_dict holds the same keys (its order differs: parameters first).
        CollectionAssert.AreEquivalent(expected.Select(e => e[..e.IndexOf(' ')]).ToArray(), module.state_dict().Keys.ToArray());
    }

    [TestMethod]
    [DataRow(CnnArchitectures.ResNet18)]
    [DataRow(CnnArchitectures.ResNet50)]
    [DataRow(CnnArchitectures.ResNeXt50_32x4d)]
    [DataRow(CnnArchitectures.MobileNetV2)]
    public void SummaryShowsEveryLayerAndTheMacsOfTorchVisionsBuilder(string name)
    {
        // Both summaries are shared with ZooSummaryTests and TorchVisionSummaryTests (computed once per run).
        var ours = ImageNetSummaries.OfRegistry(name).Summary;
        var reference = ImageNetSummaries.OfTorchVision(name).Summary;
        Assert.AreEqual(reference.Macs, ours.Macs);
        Assert.AreEqual(reference.TotalParameters, ours.TotalParameters);
        var hidden = ours.Layers.Where(r => !r.WasCalled).Select(r => r.Name).ToArray();
        Assert.AreEqual(0, hidden.Length, "modules the hooks never saw: " + string.Join(", ", hidden));
    }

    [TestMethod]
    public void NamesTheKeysTheBriefPromises()
    {
        using var resnet = CnnArchitectures.Get(CnnArchitectures.ResNet50).Create();
        var keys = resnet.state_dict().Keys.ToHashSet();
        foreach (var key in new[] { "conv1.weight", "bn1.running_mean", "layer1.0.bn2.running_var", "layer1.0.downsample.0.weight", "fc.weight", "bn1.num_batches_tracked" })
            Assert.IsTrue(keys.Contains(key), key);
        using var mobilenet = CnnArchitectures.Get(CnnArchitectures.MobileNetV2).Create();
        var mobileKeys = mobilenet.state_dict().Keys.ToHashSet();
        foreach (var key in new[] { "features.3.conv.1.0.weight", "classifier.1.weight", "features.18.1.num_batches_tracked" })
            Assert.IsTrue(mobileKeys.Contains(key), key);
    }

    [TestMethod]
    public void InitializesAsTorchvision()
    {
        using var resnet = CnnArchitectures.Get(CnnArchitectures.ResNet18).Create();
        var p = resnet.state_dict();
        // Kaiming normal, fan-out, ReLU gain: std = sqrt(2 / (64 · 7 · 7)) ≈ 0.0255 for the stem.
        Assert.AreEqual(Math.Sqrt(2.0 / (64 * 7 * 7)), p["conv1.weight"].std().item<float>(), 0.002);
        Assert.AreEqual(0f, p["conv1.weight"].mean().item<float>(), 0.002);
        Assert.IsTrue(p["layer1.0.bn1.weight"].eq(1).all().item<bool>());
        Assert.IsTrue(p["layer1.0.bn1.bias"].eq(0).all().item<bool>());

        using var mobilenet = CnnArchitectures.Get(CnnArchitectures.MobileNetV2).Create();
        var m = mobilenet.state_dict();
        Assert.AreEqual(0.01, m["classifier.1.weight"].std().item<float>(), 0.0005);
        Assert.IsTrue(m["classifier.1.bias"].eq(0).all().item<bool>());
    }

    [TestMethod]
    public void TakesOtherChannelCountsAndSizes()
    {
        using var scope = NewDisposeScope();
        using var resnet = CnnArchitectures.Get(CnnArchitectures.ResNet18).Create(new ImageShape(1, 64, 48), 7);
        CollectionAssert.AreEqual(new long[] { 2, 7 }, resnet.call(rand(2, 1, 64, 48)).shape);
        using var mobilenet = CnnArchitectures.Get(CnnArchitectures.MobileNetV2).Create(new ImageShape(1, 32, 32), 10);
        CollectionAssert.AreEqual(new long[] { 2, 10 }, mobilenet.call(rand(2, 1, 32, 32)).shape);
    }

    [TestMethod]
    [DataRow(CnnArchitectures.ResNet18)]
    [DataRow(CnnArchitectures.MobileNetV2)]
    public void RejectsAVolume(string name)
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CnnArchitectures.Get(name).Create(new ImageShape(3, 8, 224, 224), 10));
        StringAssert.Contains(ex.Message, $"'{name}' takes CxHxW (an image) input; got 3x8x224x224");
    }

    [TestMethod]
    public void MakeDivisibleRoundsLikeTorchvision()
    {
        Assert.AreEqual(32L, MobileNetV2.MakeDivisible(32, 8));
        Assert.AreEqual(8L, MobileNetV2.MakeDivisible(3, 8));
        Assert.AreEqual(24L, MobileNetV2.MakeDivisible(16 * 1.4, 8)); // 22.4 → 24
        Assert.AreEqual(16L, MobileNetV2.MakeDivisible(12, 8));   // int(16)//8*8 = 16
        Assert.AreEqual(104L, MobileNetV2.MakeDivisible(100, 8)); // int(104)//8*8 = 104
    }
}
