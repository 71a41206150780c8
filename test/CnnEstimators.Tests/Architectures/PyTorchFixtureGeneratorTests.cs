using CnnMl.Tests.Support;
using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

/// <summary>
/// The fixtures kept in the repository (Fixtures/pytorch) are what scripts/pytorch/make_fixtures.py makes with real
/// PyTorch: the generator the test set-up runs for the large fixtures is the one that made the committed ones.
/// </summary>
[TestClass]
public sealed class PyTorchFixtureGeneratorTests
{
    [TestMethod]
    public void TheGeneratorRemakesEveryCommittedFixture()
    {
        using var folder = new TemporaryFolder("cnnml-fixtures");
        PyTorchProcess.Run(TimeSpan.FromMinutes(5), "make_fixtures.py", "--set", "committed", "--out", folder.Path);
        var made = folder.FileNames().Where(f => f != "generator.sha256").ToArray();
        var committed = Directory.GetFiles(TestPaths.RepositoryPyTorchFixtures).Select(f => Path.GetFileName(f)!)
            .Where(f => f != "README.md").Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(committed, made, "the generator's 'committed' set is exactly the repository's fixture files");

        using var scope = NewDisposeScope();
        foreach (var file in committed)
        {
            var ours = TestPaths.RepositoryFixture(file);
            var theirs = folder.File(file);
            if (file.EndsWith(".pt", StringComparison.Ordinal))
            {
                // Tensor by tensor (the zip's bytes are torch.save's business): the weights the recipe gives, bit for bit.
                using var expected = new StateDictTensors(ours);
                using var actual = new StateDictTensors(theirs);
                CollectionAssert.AreEqual(expected.Tensors.Keys.ToArray(), actual.Tensors.Keys.ToArray(), $"{file}: names in order");
                foreach (var (name, tensor) in expected.Tensors)
                    Assert.IsTrue(TensorAssert.Identical(tensor, actual.Tensors[name]), $"{file}: {name} differs from the committed tensor");
            }
            else if (file.EndsWith(".output.f32", StringComparison.Ordinal))
            {
                // Logits are PyTorch's arithmetic, not the recipe's: equal bit for bit with Debian's reference BLAS and
                // oneDNN capped at AVX2 (measured here: 0 difference); OpenBLAS, or oneDNN's AVX-512 kernels, move them by
                // up to 2.4e-7 (lenet5), so a machine with another BLAS is held to float rounding, not to the bit.
                var expected = PyTorchConformanceTests.ReadFloats(ours);
                var actual = PyTorchConformanceTests.ReadFloats(theirs);
                Assert.HasCount(expected.Length, actual);
                var scale = Math.Max(1.0, expected.Max(Math.Abs));
                var error = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
                Console.WriteLine($"{file}: max |Δlogit| {error:E2} (bit for bit: {expected.SequenceEqual(actual)})");
                Assert.IsLessThanOrEqualTo(1e-6 * scale, error, $"{file}: max |Δlogit| {error:E2} against the committed logits");
            }
            else
            {
                // The input batch (torch.randn after torch.manual_seed(1)) and the listings: byte for byte.
                CollectionAssert.AreEqual(File.ReadAllBytes(ours), File.ReadAllBytes(theirs), $"{file} differs from the committed file");
            }
        }
    }
}
