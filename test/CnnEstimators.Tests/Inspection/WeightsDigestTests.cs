using CnnMl.Architectures;
using CnnMl.Inspection;
using static TorchSharp.torch;

namespace CnnMl.Tests.Inspection;

[TestClass]
public sealed class WeightsDigestTests
{
    [TestMethod]
    public void EqualWeightsGiveOneDigestAndOneUlpChangesIt()
    {
        random.manual_seed(1);
        using var first = CnnArchitectures.Get(CnnArchitectures.LeNet5).Create();
        random.manual_seed(1);
        using var second = CnnArchitectures.Get(CnnArchitectures.LeNet5).Create();
        var digest = WeightsDigest.Sha256(first);
        Assert.AreEqual(digest, WeightsDigest.Sha256(second));
        using (no_grad())
        {
            var weight = second.parameters().Last();
            var value = weight[0].item<float>();
            weight[0].fill_(MathF.BitIncrement(value));
        }
        Assert.AreNotEqual(digest, WeightsDigest.Sha256(second));
    }
}
