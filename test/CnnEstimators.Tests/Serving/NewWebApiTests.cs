using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Xml.Linq;
using CnnMl.Demo.Commands.Bench.Serving;
using CnnMl.Tests.ConsoleApp;
using CnnMl.Tests.Support;
using static CnnMl.Tests.Serving.ServeEndpointTests;

namespace CnnMl.Tests.Serving;

/// <summary>
/// <c>cnnml new webapi</c>: the project it writes references ML.NET's packages only, builds (its packages come from the
/// machine's package cache, as every restore here), starts as its own process on 127.0.0.1 and answers /predict with
/// exactly the scores plain ML.NET gives the same input, in cnnml serve's shape; it refuses what cnnml serve refuses.
/// One project for an MNIST-vector model (JSON pixels and image uploads), one for an image-folder model (an image's
/// bytes, multipart).
/// </summary>
[TestClass]
public sealed class NewWebApiTests
{
    [TestMethod]
    public async Task TheWrittenProjectBuildsStartsAndAnswersPredictLikeCnnmlServe()
    {
        var models = ServingModels.Get();
        using var folder = new TemporaryFolder("cnnml-webapi");
        var project = Scaffold(models.VectorModel, folder, "DigitApi", ["DigitApi.csproj", "Program.cs", "ImageHeader.cs", "RequestProblem.cs", "UploadReader.cs", "README.md", "model.zip"],
            ["Microsoft.ML", "Microsoft.ML.ImageAnalytics", "Microsoft.ML.OnnxTransformer", "Microsoft.ML.OnnxRuntime"]);
        await using var api = await WebApi.BuildAndStartAsync(project, "DigitApi");
        var client = api.Client;
        var expected = ServingModels.Scores(models.VectorModel, [models.Vector(7)])[0];
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { pixels = models.Vector(7) }));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var answer = await Json(await client.PostAsync("predict?top=10", content), HttpStatusCode.OK);
        AssertPrediction(answer, expected, Array.IndexOf(expected, expected.Max()).ToString());

        using var wrongCount = new ByteArrayContent("{\"pixels\": [0.5]}"u8.ToArray());
        wrongCount.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        StringAssert.StartsWith(await Problem(await client.PostAsync("predict", wrongCount), HttpStatusCode.BadRequest), "\"pixels\" holds 1 values; this model reads 784");
        // An uploaded digit goes through cnnml serve's steps (resize, grayscale, / 255): a PNG's pixels are the idx
        // bytes, so its scores are plain ML.NET's on the digit's vector, as cnnml serve's are.
        using var png = new ByteArrayContent(models.Encoded(7));
        png.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        AssertPrediction(await Json(await client.PostAsync("predict?top=10", png), HttpStatusCode.OK), expected, Array.IndexOf(expected, expected.Max()).ToString());
        using var text = new ByteArrayContent(models.Encoded(7));
        text.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        Assert.AreEqual("/predict does not read 'text/plain'; send application/json {\"pixels\": [784 values in [0, 1]]}, an image's bytes as image/png, image/jpeg or image/bmp, or files as multipart/form-data.",
            await Problem(await client.PostAsync("predict", text), HttpStatusCode.UnsupportedMediaType));
    }

    [TestMethod]
    public async Task AnImageFolderModelsProjectScoresUploadedBytesAsPlainMlNetAndRefusesABombFromItsHeader()
    {
        var models = ServingModels.Get();
        using var folder = new TemporaryFolder("cnnml-webapi");
        var project = Scaffold(models.ImageModel, folder, "PhotoApi", ["PhotoApi.csproj", "Program.cs", "ImageHeader.cs", "RequestProblem.cs", "UploadReader.cs", "README.md", "model.zip"],
            ["Microsoft.ML", "Microsoft.ML.ImageAnalytics", "Microsoft.ML.OnnxTransformer", "Microsoft.ML.OnnxRuntime"]);
        // The header check is cnnml serve's own code, in the project's namespace.
        var served = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "src", "Demo", "Serving", "ImageHeader.cs"));
        StringAssert.EndsWith(File.ReadAllText(Path.Combine(project, "ImageHeader.cs")), served.Replace("namespace CnnMl.Demo.Serving;", "namespace PhotoApi;"));

        await using var api = await WebApi.BuildAndStartAsync(project, "PhotoApi");
        var client = api.Client;
        var bodies = new[] { models.Encoded(4), models.Encoded(9), models.Encoded(1, ".bmp") };
        var expected = ServingModels.BytesScores(models.ImageModel, bodies);
        string Best(int i) => Array.IndexOf(expected[i], expected[i].Max()).ToString();
        using var png = new ByteArrayContent(bodies[0]);
        png.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        AssertPrediction(await Json(await client.PostAsync("predict?top=10", png), HttpStatusCode.OK), expected[0], Best(0), tolerance: 0f);
        using var form = new MultipartFormDataContent();
        foreach (var (bytes, type, name) in new[] { (bodies[1], "image/png", "nine.png"), (bodies[2], "image/bmp", "one.bmp") })
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue(type);
            form.Add(part, "images", name);
        }
        var files = await Json(await client.PostAsync("predict?top=10", form), HttpStatusCode.OK);
        CollectionAssert.AreEqual(new[] { "nine.png", "one.bmp" }, files.EnumerateArray().Select(f => f.GetProperty("file").GetString()).ToArray());
        for (var i = 0; i < 2; i++) AssertPrediction(files[i], expected[i + 1], Best(i + 1), tolerance: 0f);

        // 24 requests at once, each on an engine of its own from the pool: every answer is its own digit's.
        var many = Enumerable.Range(10, 24).Select(i => models.Encoded(i)).ToArray();
        var manyExpected = ServingModels.BytesScores(models.ImageModel, many);
        var answers = await Task.WhenAll(many.Select(async bytes =>
        {
            await Task.Yield();
            using var body = new ByteArrayContent(bytes);
            body.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            return await Json(await client.PostAsync("predict?top=10", body), HttpStatusCode.OK);
        }));
        for (var i = 0; i < many.Length; i++)
            AssertPrediction(answers[i], manyExpected[i], Array.IndexOf(manyExpected[i], manyExpected[i].Max()).ToString(), tolerance: 0f);

        using var bomb = new ByteArrayContent(CraftedImages.DecompressionBomb());
        bomb.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        Assert.AreEqual("The body declares 20,000 × 20,000 pixels (400 megapixels); the server decodes at most 16.8 megapixels. Scale the image down before sending it.",
            await Problem(await client.PostAsync("predict", bomb), HttpStatusCode.RequestEntityTooLarge));
        using var pixels = new ByteArrayContent("{\"pixels\": [0.5]}"u8.ToArray());
        pixels.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        StringAssert.StartsWith(await Problem(await client.PostAsync("predict", pixels), HttpStatusCode.UnsupportedMediaType), "This model reads images, not pixel vectors");
        Assert.IsFalse(api.Process.HasExited, "the web API is still serving");
    }

    [TestMethod]
    public void AZipThatLoadsImagePathsIsRefusedWithWhatToDoInstead()
    {
        using var folder = new TemporaryFolder("cnnml-webapi");
        var run = CnnmlInProcess.Run("new", "webapi", "--model", ServingModels.Get().PathImageModel, "--output", Path.Combine(folder.Path, "Api"));
        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.StandardError, "reads image file paths (ImagePath): its pipeline starts with LoadImages");
        StringAssert.Contains(run.StandardError, "Train it again with cnnml train --images");
        Assert.IsFalse(Directory.Exists(Path.Combine(folder.Path, "Api")), "nothing is written for a refused model");
    }

    /// <summary>Runs cnnml new webapi and checks the files it wrote, the packages the project names, and that no source mentions CnnMl.</summary>
    private static string Scaffold(string model, TemporaryFolder folder, string name, string[] files, string[] packages)
    {
        var project = Path.Combine(folder.Path, name);
        var run = CnnmlInProcess.Run("new", "webapi", "--model", model, "--output", project);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        CollectionAssert.AreEquivalent(files, Directory.GetFiles(project).Select(Path.GetFileName).ToArray());
        var references = XDocument.Load(Path.Combine(project, $"{name}.csproj")).Descendants("PackageReference").Select(r => (string)r.Attribute("Include")!).ToArray();
        CollectionAssert.AreEquivalent(packages, references);
        foreach (var source in Directory.GetFiles(project, "*.cs"))
            Assert.DoesNotContain("CnnMl", File.ReadAllText(source).Replace("cnnml", "", StringComparison.Ordinal), source);
        return project;
    }

    /// <summary>A written project, built (Release) and started as its own process on a free 127.0.0.1 port, answering /health.</summary>
    private sealed class WebApi : IAsyncDisposable
    {
        private WebApi(Process process, HttpClient client)
        {
            Process = process;
            Client = client;
        }

        public Process Process { get; }

        public HttpClient Client { get; }

        public static async Task<WebApi> BuildAndStartAsync(string project, string name)
        {
            var dotnet = ExternalCommand.DotnetHost();
            ExternalCommand.Run(dotnet, ["build", "-c", "Release", "-nologo", "-v", "quiet", "-clp:ErrorsOnly"], project, TimeSpan.FromMinutes(8)).Succeeded();
            var port = FreePort();
            var start = new ProcessStartInfo(dotnet) { WorkingDirectory = project, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { Path.Combine(project, "bin", "Release", "net10.0", $"{name}.dll"), "--urls", $"http://127.0.0.1:{port}" })
                start.ArgumentList.Add(argument);
            foreach (var inherited in new[] { "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildExtensionsPath" }) start.Environment.Remove(inherited);
            var server = Process.Start(start)!;
            var api = new WebApi(server, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) });
            try
            {
                var clock = Stopwatch.StartNew();
                while (true)
                {
                    Assert.IsFalse(server.HasExited, $"the web API exited: {await server.StandardError.ReadToEndAsync()}");
                    try
                    {
                        using var health = await api.Client.GetAsync("health");
                        if (health.StatusCode == HttpStatusCode.OK) return api;
                    }
                    catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(60))
                    {
                        await Task.Delay(200);
                    }
                }
            }
            catch
            {
                await api.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
            Process.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
