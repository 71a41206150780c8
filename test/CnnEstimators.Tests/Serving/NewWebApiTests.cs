using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Xml.Linq;
using CnnMl.Tests.ConsoleApp;
using CnnMl.Tests.Support;
using static CnnMl.Tests.Serving.ServeEndpointTests;

namespace CnnMl.Tests.Serving;

/// <summary>
/// <c>cnnml new webapi</c>: the project it writes references ML.NET's packages only, builds (its packages come from the
/// machine's package cache, as every restore here), starts as its own process on 127.0.0.1 and answers /predict with
/// exactly the scores plain ML.NET gives the digit, in cnnml serve's shape; it refuses what cnnml serve refuses.
/// </summary>
[TestClass]
public sealed class NewWebApiTests
{
    [TestMethod]
    public async Task TheWrittenProjectBuildsStartsAndAnswersPredictLikeCnnmlServe()
    {
        var models = ServingModels.Get();
        using var folder = new TemporaryFolder("cnnml-webapi");
        var project = Path.Combine(folder.Path, "DigitApi");
        var run = CnnmlInProcess.Run("new", "webapi", "--model", models.VectorModel, "--output", project);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEquivalent(new[] { "DigitApi.csproj", "Program.cs", "README.md", "model.zip" }, Directory.GetFiles(project).Select(Path.GetFileName).ToArray());
        var references = XDocument.Load(Path.Combine(project, "DigitApi.csproj")).Descendants("PackageReference").Select(r => (string)r.Attribute("Include")!).ToArray();
        CollectionAssert.AreEquivalent(new[] { "Microsoft.ML", "Microsoft.ML.OnnxTransformer", "Microsoft.ML.OnnxRuntime" }, references);
        Assert.DoesNotContain("CnnMl", File.ReadAllText(Path.Combine(project, "Program.cs")).Replace("cnnml", "", StringComparison.Ordinal));

        var dotnet = ExternalCommand.DotnetHost();
        ExternalCommand.Run(dotnet, ["build", "-c", "Release", "-nologo", "-v", "quiet", "-clp:ErrorsOnly"], project, TimeSpan.FromMinutes(8)).Succeeded();
        var port = FreePort();
        var start = new ProcessStartInfo(dotnet) { WorkingDirectory = project, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(project, "bin", "Release", "net10.0", "DigitApi.dll"), "--urls", $"http://127.0.0.1:{port}" })
            start.ArgumentList.Add(argument);
        foreach (var inherited in new[] { "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildExtensionsPath" }) start.Environment.Remove(inherited);
        using var server = Process.Start(start)!;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
            var clock = Stopwatch.StartNew();
            while (true)
            {
                Assert.IsFalse(server.HasExited, $"the web API exited: {await server.StandardError.ReadToEndAsync()}");
                try
                {
                    using var health = await client.GetAsync("health");
                    if (health.StatusCode == HttpStatusCode.OK) break;
                }
                catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(60))
                {
                    await Task.Delay(200);
                }
            }
            var expected = ServingModels.Scores(models.VectorModel, [models.Vector(7)])[0];
            using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { pixels = models.Vector(7) }));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            var answer = await Json(await client.PostAsync("predict?top=10", content), HttpStatusCode.OK);
            AssertPrediction(answer, expected, Array.IndexOf(expected, expected.Max()).ToString());

            using var wrongCount = new ByteArrayContent("{\"pixels\": [0.5]}"u8.ToArray());
            wrongCount.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            StringAssert.StartsWith(await Problem(await client.PostAsync("predict", wrongCount), HttpStatusCode.BadRequest), "\"pixels\" holds 1 values; this model reads 784");
            using var png = new ByteArrayContent(models.Encoded(7));
            png.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
            Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, (await client.PostAsync("predict", png)).StatusCode);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [TestMethod]
    public void AnImageFolderModelIsRefusedWithWhatToDoInstead()
    {
        using var folder = new TemporaryFolder("cnnml-webapi");
        var run = CnnmlInProcess.Run("new", "webapi", "--model", ServingModels.Get().ImageModel, "--output", Path.Combine(folder.Path, "Api"));
        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.StandardError, "reads image file paths (ImagePath); cnnml new webapi writes projects for models that read pixel vectors");
        Assert.IsFalse(Directory.Exists(Path.Combine(folder.Path, "Api")), "nothing is written for a refused model");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
