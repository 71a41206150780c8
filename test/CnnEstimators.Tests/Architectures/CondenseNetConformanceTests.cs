using System.Text.Json;
using CnnMl.Architectures;
using CnnMl.Tests.Support;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

/// <summary>
/// Against the official code itself: Fixtures/condensenet holds a small CondenseNet (stages 2-2-2, growth 4-8-8,
/// G = C = 4, 3×32×32) condensed by the official <c>LearnedGroupConv</c> and converted by the official
/// <c>convert_model</c>, with PyTorch's logits for both forms (made by Fixtures/condensenet/make_fixture.py,
/// PyTorch 1.13). Our modules load those state dicts unchanged, reproduce the logits, and our conversion
/// produces the official converted tensors.
/// </summary>
[TestClass]
public sealed class CondenseNetConformanceTests
{
    private static readonly CondenseNetConfiguration Small = new(Stages: [2, 2, 2], Growth: [4, 8, 8], InitStride: 1);
    private static readonly ImageShape Input = new(3, 32, 32);
    private const int Classes = 10;

    private static string Fixture(string file) => Path.Combine(TestPaths.RepositoryRoot, "test", "CnnEstimators.Tests", "Fixtures", "condensenet", file);

    [TestMethod]
    public void LoadsTheOfficialTrainingFormAndReproducesItsLogits()
    {
        using var scope = NewDisposeScope();
        using var net = new CondenseNet(Small, Input, Classes);
        AssertSameNamesAndShapes("state_dict", net.state_dict());
        net.load_py(Fixture("condensenet-small.pt"));
        net.eval();
        Assert.IsTrue(net.LearnedGroupConvs.All(c => c.Stage == 3 && c.DroppedPerGroup == 3 * c.InChannels / 4));

        using var noGrad = no_grad();
        AssertLogits(Fixture("condensenet-small.output.f32"), net.call(ReadInput()));
    }

    [TestMethod]
    public void ConvertsExactlyAsTheOfficialConvertModel()
    {
        using var scope = NewDisposeScope();
        using var net = new CondenseNet(Small, Input, Classes);
        net.load_py(Fixture("condensenet-small.pt"));
        net.eval();
        using var ours = net.Condense();

        using var official = new CondensedCondenseNet(Small, Input, Classes);
        AssertSameNamesAndShapes("converted_state_dict", official.state_dict());
        official.load_py(Fixture("condensenet-small-converted.pt"));
        official.eval();

        var expected = official.state_dict();
        foreach (var (name, tensor) in ours.state_dict())
        {
            // The official CondensingConv leaves its new batch norm's num_batches_tracked at 0; ours carries the count over.
            if (name.EndsWith("conv_1.norm.num_batches_tracked", StringComparison.Ordinal)) continue;
            Assert.IsTrue(tensor.eq(expected[name]).all().item<bool>(), $"{name} differs from the official converted tensor");
        }

        using var noGrad = no_grad();
        var x = ReadInput();
        AssertLogits(Fixture("condensenet-small-converted.output.f32"), ours.call(x));
        AssertLogits(Fixture("condensenet-small-converted.output.f32"), official.call(x));
    }

    private static Tensor ReadInput() =>
        tensor(PyTorchConformanceTests.ReadFloats(Fixture("condensenet-small.input.f32")), Input.WithBatch(2));

    private static void AssertLogits(string expectedFile, Tensor actual)
    {
        var expected = tensor(PyTorchConformanceTests.ReadFloats(expectedFile), [2, Classes]);
        var tolerance = 1e-5 * Math.Max(1.0, expected.abs().max().item<float>());
        var error = (actual - expected).abs().max().item<float>();
        Assert.IsLessThanOrEqualTo(tolerance, error, $"max |Δlogit| {error:E2}");
    }

    private static void AssertSameNamesAndShapes(string key, Dictionary<string, Tensor> ours)
    {
        var meta = JsonDocument.Parse(File.ReadAllText(Fixture("condensenet-small.json"))).RootElement;
        var official = meta.GetProperty(key).EnumerateArray()
            .ToDictionary(e => e[0].GetString()!, e => e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray());
        CollectionAssert.AreEquivalent(official.Keys.ToArray(), ours.Keys.ToArray());
        foreach (var (name, shape) in official) CollectionAssert.AreEqual(shape, ours[name].shape, name);
    }
}
