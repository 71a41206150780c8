using CnnMl.Architectures;
using CnnMl.Runtime;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.Runtime;

/// <summary>
/// What the project does with libtorch's oneDNN switch: which state Fit holds in each <see cref="OneDnnMode"/>, that it
/// puts the previous state back, and how concurrent holders share or wait. The probe and the per-layer fallback of
/// <see cref="OneDnnMode.Auto"/> are tested in <see cref="OneDnnLayerTests"/>.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class OneDnnTests
{
    private static bool _before;

    [ClassInitialize]
    public static void Remember(TestContext _) => _before = OneDnnConvolutions.Enabled!.Value;

    [TestCleanup]
    public void Restore()
    {
        Assert.AreEqual(0, OneDnnScope.OpenScopes, "a test left a oneDNN scope open");
        OneDnnConvolutions.TrySet(_before);
    }

    [TestMethod]
    public void SwitchIsReachableAndRestored()
    {
        var before = OneDnnConvolutions.Enabled;
        Assert.IsNotNull(before, "at::Context::setUserEnabledMkldnn must be exported by libtorch_cpu");
        Assert.IsTrue(OneDnnConvolutions.TrySet(false));
        Assert.IsFalse(OneDnnConvolutions.Enabled);
        Assert.IsTrue(OneDnnConvolutions.TrySet(true));
        Assert.IsTrue(OneDnnConvolutions.Enabled);
    }

    [TestMethod]
    [DataRow(OneDnnMode.Auto, CnnArchitectures.MnistCnn, true, DisplayName = "Auto, mnist-cnn (whole 16-channel blocks): on")]
    [DataRow(OneDnnMode.Auto, CnnArchitectures.DepthwiseSeparable, true, DisplayName = "Auto, depthwise-separable: on between batches (the probe decides per layer)")]
    [DataRow(OneDnnMode.On, CnnArchitectures.DepthwiseSeparable, true, DisplayName = "On: on")]
    [DataRow(OneDnnMode.Off, CnnArchitectures.MnistCnn, false, DisplayName = "Off: off")]
    public void FitHoldsTheModesStateWhileTrainingAndPutsTheSwitchBack(OneDnnMode mode, string architecture, bool expected)
    {
        foreach (var initial in new[] { true, false })
        {
            OneDnnConvolutions.TrySet(initial);
            var seen = new List<bool?>();
            var ml = new MLContext(seed: 1);
            using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
            {
                Architecture = architecture, OneDnn = mode, Epochs = 1, BatchSize = 16, ReportEveryBatches = 1, NumberOfThreads = 1,
                Progress = new SynchronousProgress<TrainingReport>(_ => seen.Add(OneDnnConvolutions.Enabled)),
            }).Fit(SyntheticImages.Create(32));
            Assert.IsNotEmpty(seen);
            CollectionAssert.AreEqual(Enumerable.Repeat<bool?>(expected, seen.Count).ToArray(), seen, $"during Fit, switch was {initial} before");
            Assert.AreEqual(initial, OneDnnConvolutions.Enabled, "after Fit: the state found before");
        }
    }

    [TestMethod]
    public void AFailedFitPutsTheSwitchBackToo()
    {
        OneDnnConvolutions.TrySet(true);
        var ml = new MLContext(seed: 1);
        var trainer = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions
        {
            OneDnn = OneDnnMode.Off, Epochs = 1, BatchSize = 16, ReportEveryBatches = 1,
            Progress = new SynchronousProgress<TrainingReport>(r =>
            {
                if (r.Kind == TrainingReportKind.Batch) throw new InvalidOperationException("stop here");
            }),
        });
        Assert.ThrowsExactly<InvalidOperationException>(() => trainer.Fit(SyntheticImages.Create(32)));
        Assert.IsTrue(OneDnnConvolutions.Enabled);
    }

    [TestMethod]
    public void ScopesForTheSameStateShareItAndTheLastOneRestores()
    {
        OneDnnConvolutions.TrySet(true);
        var first = OneDnnScope.Enter(false);
        var second = Task.Run(() => OneDnnScope.Enter(false)).Result; // another thread joins without waiting
        Assert.AreEqual(2, OneDnnScope.OpenScopes);
        Assert.IsFalse(OneDnnConvolutions.Enabled);
        first.Dispose();
        Assert.IsFalse(OneDnnConvolutions.Enabled, "the second holder still needs it off");
        second.Dispose();
        Assert.IsTrue(OneDnnConvolutions.Enabled, "the last holder restored the state found before the first");
    }

    [TestMethod]
    public void AConflictingScopeWaitsForTheHolderAndNewcomersForTheHeldStateWaitToo()
    {
        OneDnnConvolutions.TrySet(true);
        var holder = OneDnnScope.Enter(false);
        var conflicting = Task.Run(() =>
        {
            using var scope = OneDnnScope.Enter(true);
            return OneDnnConvolutions.Enabled;
        });
        Thread.Sleep(300);
        Assert.IsFalse(conflicting.IsCompleted, "a request for 'on' waits while 'off' is held");
        var late = Task.Run(() =>
        {
            using var scope = OneDnnScope.Enter(false);
            return OneDnnConvolutions.Enabled;
        });
        Thread.Sleep(300);
        Assert.IsFalse(late.IsCompleted, "a new request for the held state does not overtake the waiting conflicting one");
        holder.Dispose();
        Assert.IsTrue(conflicting.Wait(TimeSpan.FromSeconds(10)));
        Assert.IsTrue(conflicting.Result, "the waiting request got 'on'");
        Assert.IsTrue(late.Wait(TimeSpan.FromSeconds(10)));
        Assert.IsFalse(late.Result);
        Assert.IsTrue(OneDnnConvolutions.Enabled);
    }

    [TestMethod]
    public void WaitingStopsWhenCanceled()
    {
        using var holder = OneDnnScope.Enter(false);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var waiting = Task.Run(() => OneDnnScope.Enter(true, cancellation.Token));
        var ex = Assert.ThrowsExactly<AggregateException>(() => waiting.Wait(TimeSpan.FromSeconds(10)));
        Assert.IsInstanceOfType<OperationCanceledException>(ex.InnerException);
    }

    [TestMethod]
    public void AThreadThatHoldsOneStateCannotWaitForTheOther()
    {
        using var holder = OneDnnScope.Enter(false);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => OneDnnScope.Enter(true));
        StringAssert.Contains(ex.Message, "would wait for itself");
        using var same = OneDnnScope.Enter(false); // the same state nests
        Assert.AreEqual(2, OneDnnScope.OpenScopes);
    }
}
