using System.Text.Json;
using CnnMl.Architectures;
using CnnMl.Tests.Support;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

/// <summary>
/// State dicts saved by real PyTorch (Fixtures/pytorch, in the repository) load into our modules unchanged
/// and reproduce PyTorch's logits within 1e-4 · max(1, max|logit|).
/// </summary>
[TestClass]
public sealed class PyTorchConformanceTests
{
    [TestMethod]
    [DataRow(CnnArchitectures.MnistCnn)]
    [DataRow(CnnArchitectures.LeNet5)]
    public void ReproducesPyTorchLogits(string architecture)
    {
        var weights = TestPaths.RepositoryFixture($"{architecture}.pt");
        var meta = JsonDocument.Parse(File.ReadAllText(TestPaths.RepositoryFixture($"{architecture}.json"))).RootElement;
        var inputShape = meta.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var outputShape = meta.GetProperty("output_shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();

        using var module = CnnArchitectures.Get(architecture).Create(new ImageShape(inputShape[1..]), (int)outputShape[1]);
        var expectedNames = meta.GetProperty("state_dict").EnumerateArray().Select(e => e[0].GetString()).ToArray();
        CollectionAssert.AreEqual(expectedNames, module.state_dict().Keys.ToArray());
        module.load_py(weights);
        module.eval();

        using var scope = NewDisposeScope();
        var input = tensor(ReadFloats(TestPaths.RepositoryFixture($"{architecture}.input.f32")), inputShape);
        var expected = tensor(ReadFloats(TestPaths.RepositoryFixture($"{architecture}.output.f32")), outputShape);
        using var _ = no_grad();
        var actual = module.call(input);
        var tolerance = 1e-4 * Math.Max(1.0, expected.abs().max().item<float>());
        var error = (actual - expected).abs().max().item<float>();
        Assert.IsLessThanOrEqualTo(tolerance, error, $"{architecture}: max |Δlogit| {error:E2}");
    }

    [TestMethod]
    public void TheSmallFixturesShipWithTheRepository()
    {
        // So that these tests run in every clone: every file of both networks, well under 1 MB together.
        var files = new[] { CnnArchitectures.MnistCnn, CnnArchitectures.LeNet5 }
            .SelectMany(name => new[] { ".pt", ".json", ".input.f32", ".output.f32" }.Select(suffix => name + suffix))
            .Select(file => new FileInfo(Path.Combine(TestPaths.RepositoryPyTorchFixtures, file)))
            .ToArray();
        Assert.IsTrue(files.All(f => f.Exists), string.Join(", ", files.Where(f => !f.Exists).Select(f => f.Name)));
        Assert.IsLessThan(1_000_000L, files.Sum(f => f.Length));
    }

    internal static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
