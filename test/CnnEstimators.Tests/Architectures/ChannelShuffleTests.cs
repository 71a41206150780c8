using static TorchSharp.torch;

namespace CnnMl.Tests.Architectures;

/// <summary>
/// The library's one channel shuffle is TorchSharp's <c>nn.ChannelShuffle</c>, in GroupConvNet and in CondenseNet's
/// condensed convolution (which had its own view-transpose-view copy, as the official <c>layers.ShuffleLayer</c>). The
/// swap keeps every value: the module gives exactly the official formula's output, which
/// <c>CondenseNetConversionTests</c> also checks end to end (condensed output equal to the learned one).
/// </summary>
[TestClass]
public sealed class ChannelShuffleTests
{
    [TestMethod]
    [DataRow(3L, 4L)]
    [DataRow(4L, 2L)]
    [DataRow(1L, 5L)]
    public void TorchSharpsShuffleEqualsTheOfficialShuffleLayer(long groups, long perGroup)
    {
        using var scope = NewDisposeScope();
        var channels = groups * perGroup;
        var x = arange(2 * channels * 2 * 3, dtype: ScalarType.Float32).view(2, channels, 2, 3);
        using var shuffle = nn.ChannelShuffle(groups);
        var y = shuffle.call(x);
        // CondenseNet's layers.ShuffleLayer: view(N, G, C/G, H, W).transpose(1, 2).contiguous().view(N, C, H, W).
        var official = x.view(2, groups, perGroup, 2, 3).transpose(1, 2).contiguous().view(2, channels, 2, 3);
        CollectionAssert.AreEqual(official.data<float>().ToArray(), y.data<float>().ToArray());
        // Channels laid out group after group (g·n + k) are interleaved (k·G + g).
        for (var g = 0L; g < groups; g++)
        {
            for (var k = 0L; k < perGroup; k++)
            {
                CollectionAssert.AreEqual(x.select(1, g * perGroup + k).data<float>().ToArray(), y.select(1, k * groups + g).data<float>().ToArray(),
                    $"output channel {k * groups + g} is input channel {g * perGroup + k}");
            }
        }
    }
}
