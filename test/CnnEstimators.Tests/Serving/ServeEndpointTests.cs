using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using CnnMl.Architectures;
using CnnMl.Demo.Commands.Bench.Serving;
using CnnMl.Demo.Serving;
using CnnMl.Inspection;

namespace CnnMl.Tests.Serving;

/// <summary>
/// <c>cnnml serve</c>'s endpoints on a real Kestrel (127.0.0.1, a free port) serving a small MNIST-vector model, an
/// image-folder model (its zip reads the image's bytes) and a zip that loads image paths: every media type /predict
/// reads gives exactly the scores plain ML.NET gives the same digit;
/// every refusal is RFC 7807 problem+json with its status (400, 413, 415) and a sentence naming the problem.
/// </summary>
[TestClass]
public sealed class ServeEndpointTests
{
    private static RunningServer _vector = null!;
    private static RunningServer _image = null!;
    private static RunningServer _pathImage = null!;

    [ClassInitialize]
    public static async Task StartServers(TestContext context)
    {
        var models = ServingModels.Get();
        _vector = await RunningServer.StartAsync(new ServerOptions { ModelPath = models.VectorModel, MaxBodyBytes = 1024 * 1024 });
        _image = await RunningServer.StartAsync(new ServerOptions { ModelPath = models.ImageModel, MaxBodyBytes = 1024 * 1024 });
        _pathImage = await RunningServer.StartAsync(new ServerOptions { ModelPath = models.PathImageModel, MaxBodyBytes = 1024 * 1024 });
    }

    [ClassCleanup]
    public static async Task StopServers()
    {
        await _vector.DisposeAsync();
        await _image.DisposeAsync();
        await _pathImage.DisposeAsync();
    }

    [TestMethod]
    public async Task PngJpegBmpAndJsonPixelsScoreAsPlainMlNetScoresTheDigit()
    {
        var models = ServingModels.Get();
        var indices = Enumerable.Range(0, 12).ToArray();
        var expected = ServingModels.Scores(models.VectorModel, indices.Select(models.Vector));
        var correct = 0;
        foreach (var i in indices)
        {
            var best = Array.IndexOf(expected[i], expected[i].Max()).ToString();
            // PNG and BMP are lossless: their pixels are the idx bytes, so the scores are plain ML.NET's on LoadMnist's vector.
            foreach (var (body, type) in new[] { (models.Encoded(i), "image/png"), (models.Encoded(i, ".bmp"), "image/bmp") })
            {
                var answer = await Json(await _vector.PostAsync(body, type, "?top=10"), HttpStatusCode.OK);
                AssertPrediction(answer, expected[i], best);
            }
            AssertPrediction(await Json(await _vector.PostPixelsAsync(models.Vector(i), "?top=10"), HttpStatusCode.OK), expected[i], best);
            // JPEG is lossy: the label only, and the default top 3.
            var jpeg = await Json(await _vector.PostAsync(models.Encoded(i, ".jpg"), "image/jpeg"), HttpStatusCode.OK);
            Assert.AreEqual(3, jpeg.GetProperty("top").GetArrayLength());
            if (jpeg.GetProperty("label").GetString() == best) correct++;
        }
        // Measured: 12 of 12 JPEG labels agree with the lossless ones.
        Assert.IsGreaterThanOrEqualTo(11, correct, "JPEG's small losses should not change the label of a clear digit");
    }

    [TestMethod]
    public async Task AnImageOfAnotherSizeIsResizedAsCnnmlPredictDoes()
    {
        var models = ServingModels.Get();
        var big = await Json(await _vector.PostAsync(models.Encoded(3, ".png", side: 112), "image/png", "?top=10"), HttpStatusCode.OK);
        var small = await Json(await _vector.PostAsync(models.Encoded(3), "image/png", "?top=10"), HttpStatusCode.OK);
        Assert.AreEqual(small.GetProperty("label").GetString(), big.GetProperty("label").GetString());
    }

    [TestMethod]
    public async Task MultipartFilesAreAnsweredOneObjectPerFileInOrder()
    {
        var models = ServingModels.Get();
        var expected = ServingModels.Scores(models.VectorModel, [models.Vector(0), models.Vector(1), models.Vector(2)]);
        using var form = new MultipartFormDataContent
        {
            { File(models.Encoded(0), "image/png"), "images", "zero.png" },
            { File(models.Encoded(1, ".bmp"), "image/bmp"), "images", "one.bmp" },
            { File(models.Encoded(2), "application/octet-stream"), "images", "two.png" },
        };
        using var response = await _vector.Client.PostAsync("predict?top=10", form);
        var answers = await Json(response, HttpStatusCode.OK);
        Assert.AreEqual(JsonValueKind.Array, answers.ValueKind);
        CollectionAssert.AreEqual(new[] { "zero.png", "one.bmp", "two.png" }, answers.EnumerateArray().Select(a => a.GetProperty("file").GetString()).ToArray());
        for (var i = 0; i < 3; i++)
            AssertPrediction(answers[i], expected[i], Array.IndexOf(expected[i], expected[i].Max()).ToString());
    }

    [TestMethod]
    public async Task AnImageFolderModelScoresTheUploadedBytesExactlyAsPlainMlNetScoresThem()
    {
        // The zip cnnml train --images writes reads ImageSource (the encoded image): serve hands each upload to it, the
        // route a plain ML.NET web app takes (Model.Load, MLImage.CreateFromStream, a PredictionEngine).
        var models = ServingModels.Get();
        var bodies = new[] { models.Encoded(5), models.Encoded(6, ".bmp"), models.Encoded(7, ".jpg"), models.Encoded(8, ".png", side: 56) };
        var expected = ServingModels.BytesScores(models.ImageModel, bodies);
        var types = new[] { "image/png", "image/bmp", "image/jpeg", "image/png" };
        for (var i = 0; i < bodies.Length; i++)
        {
            var answer = await Json(await _image.PostAsync(bodies[i], types[i], "?top=10"), HttpStatusCode.OK);
            AssertPrediction(answer, expected[i], Array.IndexOf(expected[i], expected[i].Max()).ToString(), tolerance: 0f);
        }
        using var form = new MultipartFormDataContent { { File(bodies[0], "image/png"), "images", "five.png" }, { File(bodies[1], "image/bmp"), "images", "six.bmp" } };
        var files = await Json(await _image.Client.PostAsync("predict?top=10", form), HttpStatusCode.OK);
        for (var i = 0; i < 2; i++) AssertPrediction(files[i], expected[i], Array.IndexOf(expected[i], expected[i].Max()).ToString(), tolerance: 0f);

        // The header check stays in front of the decoder: a decompression bomb is refused from its header.
        StringAssert.StartsWith(await Problem(await _image.PostAsync(CraftedImages.DecompressionBomb(), "image/png"), HttpStatusCode.RequestEntityTooLarge),
            "The body declares 20,000 × 20,000 pixels");
        var json = await Problem(await _image.PostPixelsAsync(models.Vector(5)), HttpStatusCode.UnsupportedMediaType);
        StringAssert.StartsWith(json, "This model reads images, not pixel vectors: send the image's bytes as image/png");
        var model = await Json(await _image.Client.GetAsync("model"), HttpStatusCode.OK);
        Assert.AreEqual("image", model.GetProperty("input").GetProperty("kind").GetString());
        Assert.AreEqual("ImageSource", model.GetProperty("input").GetProperty("column").GetString());
    }

    [TestMethod]
    public async Task AZipThatLoadsImagePathsScoresUploadsWithoutAnyFile()
    {
        var models = ServingModels.Get();
        var png = await Json(await _pathImage.PostAsync(models.Encoded(5), "image/png", "?top=10"), HttpStatusCode.OK);
        var bmp = await Json(await _pathImage.PostAsync(models.Encoded(5, ".bmp"), "image/bmp", "?top=10"), HttpStatusCode.OK);
        Assert.AreEqual(png.GetProperty("label").GetString(), bmp.GetProperty("label").GetString());
        Assert.AreEqual(10, png.GetProperty("top").GetArrayLength());
        Assert.AreEqual(1.0, png.GetProperty("top").EnumerateArray().Sum(t => t.GetProperty("score").GetDouble()), 1e-4);
        // Against the zip scoring the same digit from a file path, as the model was trained (plain ML.NET).
        var path = Path.Combine(models.Folder, "five.png");
        System.IO.File.WriteAllBytes(path, models.Encoded(5));
        var fromFile = ImageModelScore(models.PathImageModel, path);
        var top = png.GetProperty("top").EnumerateArray().ToDictionary(t => t.GetProperty("label").GetString()!, t => t.GetProperty("score").GetSingle());
        for (var c = 0; c < 10; c++) Assert.AreEqual(fromFile[c], top[c.ToString()], 1e-5f, $"class {c}");
        var model = await Json(await _pathImage.Client.GetAsync("model"), HttpStatusCode.OK);
        Assert.AreEqual("ImagePath", model.GetProperty("input").GetProperty("column").GetString());
    }

    [TestMethod]
    public async Task ModelAndHealthDescribeTheModelAndNothingOfTheFileSystem()
    {
        var models = ServingModels.Get();
        using var modelResponse = await _vector.Client.GetAsync("model");
        var text = await modelResponse.Content.ReadAsStringAsync();
        var model = JsonDocument.Parse(text).RootElement;
        Assert.AreEqual(HttpStatusCode.OK, modelResponse.StatusCode);
        var version = Convert.ToHexStringLower(SHA256.HashData(System.IO.File.ReadAllBytes(models.VectorModel)))[..12];
        Assert.AreEqual(version, model.GetProperty("version").GetString());
        Assert.AreEqual("vector", model.GetProperty("input").GetProperty("kind").GetString());
        Assert.AreEqual("Image", model.GetProperty("input").GetProperty("column").GetString());
        Assert.AreEqual("1x28x28", model.GetProperty("input").GetProperty("shape").GetString());
        CollectionAssert.AreEqual(ServingModels.Digits, model.GetProperty("classes").EnumerateArray().Select(c => c.GetString()).ToArray());
        // The network's own count (CnnMl's summary): batch normalization's running statistics are buffers, not parameters.
        Assert.AreEqual(ModelSummary.Of(CnnArchitectures.MnistCnn, KnownInputs.Mnist, 10).TotalParameters, model.GetProperty("parameters").GetInt64());
        StringAssert.StartsWith(model.GetProperty("savedBy").GetString(), "CnnMl 0.");
        Assert.IsFalse(string.IsNullOrEmpty(model.GetProperty("architecture").GetString()));

        using var healthResponse = await _vector.Client.GetAsync("health");
        var health = await healthResponse.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.OK, healthResponse.StatusCode);
        Assert.AreEqual("ok", JsonDocument.Parse(health).RootElement.GetProperty("status").GetString());
        Assert.AreEqual(version, JsonDocument.Parse(health).RootElement.GetProperty("modelVersion").GetString());
        using var page = await _vector.Client.GetAsync("");
        var html = await page.Content.ReadAsStringAsync();
        foreach (var body in new[] { text, health, html })
        {
            Assert.DoesNotContain(models.Folder, body);
            Assert.DoesNotContain(Path.GetTempPath(), body);
            Assert.DoesNotContain(".zip", body);
        }
    }

    [TestMethod]
    public async Task BadBodiesAre400WithASentenceSayingWhatToSend()
    {
        var models = ServingModels.Get();
        var random = new byte[2000];
        new Random(5).NextBytes(random);
        random[0] = 0x42;
        random[1] = 0x4E;
        StringAssert.StartsWith(await Problem(await _vector.PostAsync(random, "image/png"), HttpStatusCode.BadRequest),
            "The body is not a PNG, JPEG or BMP image (it starts with 42 4E ");
        StringAssert.StartsWith(await Problem(await _vector.PostAsync([], "image/png"), HttpStatusCode.BadRequest),
            "The body is empty; send the bytes of a PNG, JPEG or BMP image.");
        var png = models.Encoded(0);
        foreach (var fraction in new[] { 0.02, 0.3, 0.9 })
            StringAssert.StartsWith(await Problem(await _vector.PostAsync(CraftedImages.Truncated(png, fraction), "image/png"), HttpStatusCode.BadRequest),
                "The body is a PNG cut short: ");
        var jpeg = models.Encoded(0, ".jpg");
        StringAssert.StartsWith(await Problem(await _vector.PostAsync(CraftedImages.Truncated(jpeg, 0.8), "image/jpeg"), HttpStatusCode.BadRequest),
            "The body is a JPEG cut short: ");
        StringAssert.StartsWith(await Problem(await _vector.PostAsync(CraftedImages.Truncated(models.Encoded(0, ".bmp"), 0.8), "image/bmp"), HttpStatusCode.BadRequest),
            "The body is a BMP cut short: its pixel rows is missing");
        // A PNG whose chunks are whole but whose compressed pixels are garbage: the decoder's refusal, as a 400.
        var garbled = (byte[])png.Clone();
        for (var i = 41; i < garbled.Length - 16; i++) garbled[i] ^= 0x5A;
        Assert.AreEqual(HttpStatusCode.BadRequest, (await _vector.PostAsync(garbled, "image/png")).StatusCode);

        Assert.AreEqual("\"pixels\" holds 100 values; this model reads 784 (28 × 28 grayscale values in [0, 1], row by row).",
            await Problem(await _vector.PostPixelsAsync(new float[100]), HttpStatusCode.BadRequest));
        var bright = models.Vector(0);
        bright[7] = 255;
        Assert.AreEqual("\"pixels\"[7] is 255; every value must be in [0, 1] (a 0–255 gray level divided by 255).",
            await Problem(await _vector.PostPixelsAsync(bright), HttpStatusCode.BadRequest));
        StringAssert.StartsWith(await Problem(await _vector.PostAsync("{\"pixels\": [1, 2"u8.ToArray(), "application/json"), HttpStatusCode.BadRequest),
            "The body is not JSON of the form {\"pixels\": [784 numbers]} (");
        Assert.AreEqual("The JSON body has no \"pixels\" array; send {\"pixels\": [784 numbers in [0, 1], row by row]}.",
            await Problem(await _vector.PostAsync("{\"image\": []}"u8.ToArray(), "application/json"), HttpStatusCode.BadRequest));
        Assert.AreEqual("?top=zero is not a positive whole number; ask for 1 to 10 classes.",
            await Problem(await _vector.PostAsync(png, "image/png", "?top=zero"), HttpStatusCode.BadRequest));
        using var empty = new MultipartFormDataContent { { new StringContent("x"), "note" } };
        Assert.AreEqual("The multipart body holds no file; send each image as a file part (curl -F image=@digit.png).",
            await Problem(await _vector.Client.PostAsync("predict", empty), HttpStatusCode.BadRequest));
        using var oneBad = new MultipartFormDataContent { { File(png, "image/png"), "images", "a.png" }, { File(random, "image/png"), "images", "b.png" } };
        StringAssert.StartsWith(await Problem(await _vector.Client.PostAsync("predict", oneBad), HttpStatusCode.BadRequest), "File 'b.png' (part 2) is not a PNG");
    }

    [TestMethod]
    public async Task TooLargeBodiesAndDecompressionBombsAre413BeforeAnyDecoding()
    {
        var bomb = CraftedImages.DecompressionBomb();
        Assert.IsLessThan(4_000, bomb.Length, "the bomb is a few kilobytes");
        Assert.AreEqual("The body declares 20,000 × 20,000 pixels (400 megapixels); the server decodes at most 16.8 megapixels. Scale the image down before sending it.",
            await Problem(await _vector.PostAsync(bomb, "image/png"), HttpStatusCode.RequestEntityTooLarge));
        var before = Environment.WorkingSet;
        for (var i = 0; i < 20; i++) Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, (await _vector.PostAsync(bomb, "image/png")).StatusCode);
        Assert.IsLessThan(200L << 20, Environment.WorkingSet - before, "20 bombs refused from their header allocate nothing like 400 MB each");

        // A body over the limit, sent as a well-behaved client sends a large upload (Expect: 100-continue, as the serving
        // bench's 50 MB body is): the refusal comes before the body. Its own client, so that the connection Kestrel ends
        // (it cannot drain a body it refused) is never offered to another request of this class from a shared pool.
        var large = new byte[3 << 20];
        using (var own = new HttpClient { BaseAddress = _vector.Address, Timeout = TimeSpan.FromSeconds(60) })
        using (var content = new ByteArrayContent(large))
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
            using var request = new HttpRequestMessage(HttpMethod.Post, "predict") { Content = content };
            request.Headers.ExpectContinue = true;
            Assert.AreEqual("The body is 3 MB; the server reads at most 1 MB per request (cnnml serve --max-body-mb). Send a smaller image.",
                await Problem(await own.SendAsync(request), HttpStatusCode.RequestEntityTooLarge));
        }
    }

    [TestMethod]
    public async Task OtherMediaTypesAre415NamingWhatTheModelReads()
    {
        var png = ServingModels.Get().Encoded(0);
        Assert.AreEqual("/predict does not read 'text/plain'; send application/json {\"pixels\": [784 values in [0, 1]]}, an image's bytes as image/png, image/jpeg or image/bmp, or files as multipart/form-data.",
            await Problem(await _vector.PostAsync(png, "text/plain"), HttpStatusCode.UnsupportedMediaType));
        StringAssert.StartsWith(await Problem(await _vector.PostAsync(png, null), HttpStatusCode.UnsupportedMediaType),
            "/predict does not read a body without a Content-Type; send ");
        StringAssert.StartsWith(await Problem(await _image.PostAsync(png, "image/gif"), HttpStatusCode.UnsupportedMediaType),
            "/predict does not read 'image/gif'; send an image's bytes as image/png");
    }

    [TestMethod]
    public async Task ThirtyTwoConcurrentRequestsEachGetTheirOwnDigitsAnswer()
    {
        // One PredictionEngine per request from the pool: shared, ML.NET's engine mixes up concurrent rows.
        var models = ServingModels.Get();
        var indices = Enumerable.Range(0, 64).ToArray();
        var expected = ServingModels.Scores(models.VectorModel, indices.Select(models.Vector));
        var bodies = indices.Select(i => models.Encoded(i)).ToArray();
        var answers = await Task.WhenAll(indices.Select(async i =>
        {
            await Task.Yield();
            return await Json(await _vector.PostAsync(bodies[i], "image/png", "?top=10"), HttpStatusCode.OK);
        }));
        for (var i = 0; i < indices.Length; i++)
            AssertPrediction(answers[i], expected[i], Array.IndexOf(expected[i], expected[i].Max()).ToString());
    }

    internal static void AssertPrediction(JsonElement answer, float[] expected, string label, float tolerance = 1e-5f)
    {
        Assert.AreEqual(label, answer.GetProperty("label").GetString());
        var top = answer.GetProperty("top").EnumerateArray().ToArray();
        Assert.AreEqual(expected.Length, top.Length);
        Assert.AreEqual(label, top[0].GetProperty("label").GetString());
        for (var k = 0; k < top.Length; k++)
        {
            var c = int.Parse(top[k].GetProperty("label").GetString()!);
            Assert.AreEqual(expected[c], top[k].GetProperty("score").GetSingle(), tolerance, $"score of class {c}");
            if (k > 0) Assert.IsLessThanOrEqualTo(top[k - 1].GetProperty("score").GetSingle(), top[k].GetProperty("score").GetSingle());
        }
    }

    internal static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.AreEqual(status, response.StatusCode, text);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    /// <summary>Checks an RFC 7807 answer and returns its detail.</summary>
    internal static async Task<string> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.AreEqual(status, response.StatusCode, text);
            Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType, text);
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.AreEqual((int)status, problem.GetProperty("status").GetInt32());
            Assert.IsFalse(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
            return problem.GetProperty("detail").GetString()!;
        }
    }

    private static ByteArrayContent File(byte[] bytes, string type)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }

    private static float[] ImageModelScore(string zip, string imagePath)
    {
        var ml = new Microsoft.ML.MLContext();
        var model = CnnMl.Persistence.CnnModelFile.LoadVerified(ml.Model, zip, out _);
        try
        {
            var rows = ml.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = imagePath } });
            return Microsoft.ML.Data.ColumnCursorExtensions.GetColumn<float[]>(model.Transform(rows), "Score").Single();
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }
}
