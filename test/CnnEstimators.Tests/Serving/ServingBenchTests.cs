using CnnMl.Data;
using CnnMl.Demo.Commands.Bench.Serving;

namespace CnnMl.Tests.Serving;

/// <summary>
/// <c>cnnml bench --sections serving</c>'s code with small counts: load levels answer every request with the raw ONNX
/// Runtime session's label, the abuse phase gets 4xx for every malformed request (the 50 MB body and the bomb
/// included) and leaves the server scoring, with resident memory bounded.
/// </summary>
[TestClass]
public sealed class ServingBenchTests
{
    [TestMethod]
    public async Task TheServingBenchAtSmallCountsHasNoErrorsAndRefusesEveryMalformedRequest()
    {
        var models = ServingModels.Get();
        var test = MnistDataset.Load(Support.TestPaths.RequireMnist(), MnistSplit.Test, maxRows: 40);
        var lines = new List<string>();
        var result = await ServingBench.RunAsync(models.VectorModel, test, new ServingBenchPlan(60, [1, 4], 80, TimeSpan.FromSeconds(60), Images: 40), lines.Add, CancellationToken.None);

        Assert.AreEqual(2, result.Levels.Count);
        foreach (var level in result.Levels)
        {
            Assert.AreEqual(60, level.Requests, string.Join("\n", lines));
            Assert.AreEqual(0, level.Errors);
            Assert.AreEqual(0, level.WrongLabels, "every answer carries the raw session's label");
            Assert.IsGreaterThan(0.0, level.P50);
            Assert.IsLessThanOrEqualTo(level.P99, level.P50);
        }
        Assert.IsGreaterThan(0.0, result.CeilingImagesPerSecond);
        var abuse = result.Abuse;
        Assert.AreEqual(80, abuse.Sent);
        Assert.IsTrue(abuse.AllRefused, $"4xx {abuse.ClientErrors}, 5xx {abuse.ServerErrors}, 2xx {abuse.Successes}, transport {abuse.TransportFailures}");
        Assert.IsTrue(abuse.ByKind.Values.All(n => n == 10), string.Join(", ", abuse.ByKind));
        Assert.IsTrue(abuse.AliveAfterwards);
        Assert.IsLessThan(300e6, (double)(abuse.ResidentAfter - abuse.ResidentBefore), "10 × 50 MB bodies and 10 bombs refused without holding their memory");
    }
}
