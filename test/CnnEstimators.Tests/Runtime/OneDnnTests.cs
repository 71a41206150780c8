using CnnMl.Runtime;
using static TorchSharp.torch;

namespace CnnMl.Tests.Runtime;

/// <summary>
/// libtorch's oneDNN switch, and libtorch's native convolutions (what a layer falls back to) against float64.
/// The probe and the per-layer fallback are tested in <see cref="OneDnnLayerTests"/>.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class OneDnnTests
{
    [TestMethod]
    public void SwitchIsReachableAndRestored()
    {
        var before = OneDnnConvolutions.Enabled;
        Assert.IsNotNull(before, "at::Context::setUserEnabledMkldnn must be exported by libtorch_cpu");
        Assert.IsTrue(OneDnnConvolutions.TrySet(false));
        Assert.IsFalse(OneDnnConvolutions.Enabled);
        Assert.IsTrue(OneDnnConvolutions.TrySet(before.Value));
        Assert.AreEqual(before, OneDnnConvolutions.Enabled);
    }

    [TestMethod]
    public void WithoutOneDnnSmallConvolutionGradientsMatchDoublePrecision()
    {
        var before = OneDnnConvolutions.Enabled!.Value;
        OneDnnConvolutions.TrySet(false);
        try
        {
            foreach (var channels in new[] { 2, 8, 12 })
            {
                using var scope = NewDisposeScope();
                random.manual_seed(channels);
                var x = randn(64, channels, 14, 14).requires_grad_(true);
                var w = randn(channels, channels, 3, 3);
                var g = randn(64, channels, 14, 14);
                (nn.functional.conv2d(x, w, padding: [1, 1]) * g).sum().backward();
                var xd = x.detach().to(float64).requires_grad_(true);
                (nn.functional.conv2d(xd, w.to(float64), padding: [1, 1]) * g.to(float64)).sum().backward();
                var error = (x.grad! - xd.grad!.to(float32)).abs().max().item<float>();
                Assert.IsLessThan(1e-3f, error, $"{channels}→{channels} conv: max |Δ dx| {error}");
            }
        }
        finally
        {
            OneDnnConvolutions.TrySet(before);
        }
    }
}
