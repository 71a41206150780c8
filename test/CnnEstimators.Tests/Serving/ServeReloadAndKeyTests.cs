using System.Net;
using CnnMl.Demo.Serving;
using CnnMl.Tests.ConsoleApp;
using CnnMl.Tests.Support;
using static CnnMl.Tests.Serving.ServeEndpointTests;

namespace CnnMl.Tests.Serving;

/// <summary>
/// <c>cnnml serve</c> over time and at its door: the model file replaced while requests run (they finish on the version
/// they started with, new ones get the new one, a damaged replacement is refused and logged with the old version kept),
/// the API key, and the refusal to listen beyond loopback without a key or <c>--allow-anonymous</c>.
/// </summary>
[TestClass]
public sealed class ServeReloadAndKeyTests
{
    [TestMethod]
    public async Task ReplacingTheFileServesTheNewModelWhileRunningRequestsFinishOnTheOld()
    {
        var models = ServingModels.Get();
        using var folder = new TemporaryFolder("cnnml-serve-reload");
        var path = folder.File("model.zip");
        File.Copy(models.VectorModel, path);
        var scoresA = ServingModels.Scores(models.VectorModel, [models.Vector(0)])[0];
        var scoresB = ServingModels.Scores(models.OtherVectorModel, [models.Vector(0)])[0];
        Assert.IsGreaterThan(1e-3f, scoresA.Zip(scoresB, (a, b) => Math.Abs(a - b)).Max(), "the two models must score differently");

        var held = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var holdNext = 1;
        await using var server = await RunningServer.StartAsync(new ServerOptions
        {
            ModelPath = path,
            ReloadSettleTime = TimeSpan.FromMilliseconds(100),
            BeforeScoring = async _ =>
            {
                if (Interlocked.Exchange(ref holdNext, 0) == 0) return;
                held.SetResult();
                await release.Task;
            },
        });
        var versionA = server.Host.Current.Version;
        var oldModel = server.Host.Current;

        // A request that has taken version A and waits before scoring.
        var inFlight = server.PostPixelsAsync(models.Vector(0), "?top=10");
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Atomic replacement, as SaveAtomically does it, with 24 requests running around it.
        var around = Enumerable.Range(0, 24).Select(async i =>
        {
            await Task.Delay(i * 10);
            return await server.PostPixelsAsync(models.Vector(0), "?top=10");
        }).ToList();
        var staged = folder.File("model.zip.tmp");
        File.Copy(models.OtherVectorModel, staged);
        File.Move(staged, path, overwrite: true);
        var versionB = await WaitForHealthAsync(server, h => h.GetProperty("modelVersion").GetString() != versionA);
        Assert.AreNotEqual(versionA, versionB);
        Assert.AreEqual(1, server.Host.Reloads);

        foreach (var response in await Task.WhenAll(around))
        {
            var version = response.Headers.GetValues(PredictEndpoint.VersionHeader).Single();
            AssertPrediction(await Json(response, HttpStatusCode.OK), version == versionA ? scoresA : scoresB, Label(version == versionA ? scoresA : scoresB));
        }
        using (var fresh = await server.PostPixelsAsync(models.Vector(0), "?top=10"))
        {
            Assert.AreEqual(versionB, fresh.Headers.GetValues(PredictEndpoint.VersionHeader).Single());
            AssertPrediction(await Json(fresh, HttpStatusCode.OK), scoresB, Label(scoresB));
        }

        // The held request still owns version A: not disposed until it is done, then disposed.
        Assert.IsFalse(oldModel.Disposed, "the old version is disposed under a running request");
        release.SetResult();
        var finished = await inFlight;
        Assert.AreEqual(versionA, finished.Headers.GetValues(PredictEndpoint.VersionHeader).Single());
        AssertPrediction(await Json(finished, HttpStatusCode.OK), scoresA, Label(scoresA));
        Assert.IsTrue(oldModel.Disposed, "the old version is disposed once its last request has finished");

        // A damaged replacement: refused, logged, version B kept.
        var damaged = File.ReadAllBytes(models.VectorModel);
        Array.Clear(damaged, damaged.Length / 2, 4096);
        File.WriteAllBytes(staged, damaged);
        File.Move(staged, path, overwrite: true);
        await WaitForHealthAsync(server, h => h.GetProperty("refusedReloads").GetInt32() == 1);
        Assert.AreEqual(versionB, server.Host.Current.Version);
        var warning = server.Log.Single(l => l.StartsWith("Warning: The replaced model file was refused", StringComparison.Ordinal));
        StringAssert.Contains(warning, $"version {versionB} is still served: The model file '{path}' is damaged");
        AssertPrediction(await Json(await server.PostPixelsAsync(models.Vector(0), "?top=10"), HttpStatusCode.OK), scoresB, Label(scoresB));

        // The good file again: served again.
        File.Copy(models.VectorModel, staged);
        File.Move(staged, path, overwrite: true);
        Assert.AreEqual(versionA, await WaitForHealthAsync(server, h => h.GetProperty("modelVersion").GetString() == versionA));
    }

    [TestMethod]
    public async Task WithAnApiKeyPredictAndModelAnswerOnlyRequestsThatCarryIt()
    {
        var models = ServingModels.Get();
        const string key = "k3y-for-the-test";
        await using var server = await RunningServer.StartAsync(new ServerOptions { ModelPath = models.VectorModel, ApiKey = key });
        var png = models.Encoded(0);
        Assert.AreEqual("This server asks for an API key: send it in the X-Api-Key header (the key given to cnnml serve --api-key).",
            await Problem(await server.PostAsync(png, "image/png"), HttpStatusCode.Unauthorized));
        server.Client.DefaultRequestHeaders.Add(ApiKeyCheck.HeaderName, "k3y-for-the-tesT");
        Assert.AreEqual("The X-Api-Key header does not hold this server's API key; send the key given to cnnml serve --api-key.",
            await Problem(await server.PostAsync(png, "image/png"), HttpStatusCode.Unauthorized));
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await server.Client.GetAsync("model")).StatusCode);
        server.Client.DefaultRequestHeaders.Remove(ApiKeyCheck.HeaderName);
        Assert.AreEqual(HttpStatusCode.OK, (await server.Client.GetAsync("health")).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await server.Client.GetAsync("")).StatusCode);

        server.Client.DefaultRequestHeaders.Add(ApiKeyCheck.HeaderName, key);
        var expected = ServingModels.Scores(models.VectorModel, [models.Vector(0)])[0];
        AssertPrediction(await Json(await server.PostAsync(png, "image/png", "?top=10"), HttpStatusCode.OK), expected, Label(expected));
        Assert.AreEqual(HttpStatusCode.OK, (await server.Client.GetAsync("model")).StatusCode);
    }

    [TestMethod]
    public void ListeningBeyondLoopbackNeedsAKeyOrAllowAnonymous()
    {
        var model = ServingModels.Get().VectorModel;
        foreach (var url in new[] { "http://0.0.0.0:5000", "http://*:5000", "http://+:80", "http://[::]:5000", "http://192.168.1.4:5000", "http://example.org:5000" })
        {
            var run = CnnmlInProcess.Run("serve", "--model", model, "--urls", url);
            Assert.AreEqual(2, run.ExitCode, run.ToString());
            StringAssert.Contains(run.StandardError,
                $"--urls {url} can be reached from other machines; give --api-key KEY (clients send it as X-Api-Key), or --allow-anonymous to serve anyone on purpose.");
        }
        Assert.AreEqual(2, CnnmlInProcess.Run("serve", "--model", model, "--urls", "http://0.0.0.0:5000", "--api-key", "short").ExitCode);
        foreach (var url in new[] { "http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:5000", "http://127.0.0.2:5000" })
            Assert.IsTrue(new Demo.Commands.Serve.ServeSettings { Model = model, Urls = url }.Validate().Successful, url);
        Assert.IsTrue(new Demo.Commands.Serve.ServeSettings { Model = model, Urls = "http://0.0.0.0:5000", AllowAnonymous = true }.Validate().Successful);
        Assert.IsTrue(new Demo.Commands.Serve.ServeSettings { Model = model, Urls = "http://0.0.0.0:5000", ApiKey = "long-enough-key" }.Validate().Successful);
    }

    private static string Label(float[] scores) => Array.IndexOf(scores, scores.Max()).ToString();

    private static async Task<string> WaitForHealthAsync(RunningServer server, Func<System.Text.Json.JsonElement, bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var health = await Json(await server.Client.GetAsync("health"), HttpStatusCode.OK);
            if (condition(health)) return health.GetProperty("modelVersion").GetString()!;
            await Task.Delay(50);
        }
        Assert.Fail("The server did not reach the expected state within 60 s. Log:\n" + string.Join("\n", server.Log));
        return "";
    }
}
