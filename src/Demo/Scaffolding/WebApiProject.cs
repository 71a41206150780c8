using CnnMl.Demo.Models;
using Microsoft.ML;

namespace CnnMl.Demo.Scaffolding;

/// <summary>
/// <c>cnnml new webapi</c>'s project: a minimal ASP.NET Core app that references ML.NET's packages only (no CnnMl)
/// and serves a copy of the model zip with <c>cnnml serve</c>'s <c>/predict</c> contract, <c>{"label", "top":
/// [{"label", "score"}]}</c> out, problem+json refusals, one pooled <c>PredictionEngine</c> per concurrent request.
/// A model that reads an image's encoded bytes (<c>cnnml train --images</c>) takes an image's bytes (<c>image/png</c>,
/// <c>image/jpeg</c>, <c>image/bmp</c>) or <c>multipart/form-data</c> files, each checked by cnnml serve's own
/// <see cref="Serving.ImageHeader"/> (written into the project) before ML.NET decodes it; an MNIST-vector model takes
/// <c>application/json</c> <c>{"pixels": [...]}</c>.
/// </summary>
internal static class WebApiProject
{
    /// <summary>The largest request body the project takes, in bytes (cnnml serve's default).</summary>
    private const long MaxBodyBytes = 10 * 1024 * 1024;

    /// <summary>The largest image a header may declare, in pixels (cnnml serve's default).</summary>
    private const long MaxImagePixels = 4096L * 4096;

    /// <summary>Files per multipart request (cnnml serve's default).</summary>
    private const int MaxFiles = 64;

    /// <summary>The files of the project for <paramref name="model"/>, by relative path (the zip is copied beside them by the caller).</summary>
    public static IReadOnlyDictionary<string, string> Files(SavedModel model, string projectName)
    {
        if (model.EncodedImageInput() is { } imageColumn)
        {
            return new Dictionary<string, string>
            {
                [$"{projectName}.csproj"] = Project(ConsumptionCodeFile.PackagesFor(readsImages: true)),
                ["Program.cs"] = ImageProgram(imageColumn, projectName),
                ["ImageHeader.cs"] = ServingSource("webapi-ImageHeader.cs", projectName),
                ["RequestProblem.cs"] = ServingSource("webapi-RequestProblem.cs", projectName),
                ["README.md"] = ImageReadme(projectName),
            };
        }
        if (model.ImagePathInput() is { } pathColumn)
            throw new NotSupportedException(
                $"'{model.Path}' reads image file paths ({pathColumn}): its pipeline starts with LoadImages, so a web app would have to write every upload to a file. " +
                "Train it again with cnnml train --images, whose zip reads the image's bytes, or serve this one with cnnml serve --model.");
        var (column, side) = model.SquareGrayscaleInput();
        var imageTransforms = Flatten(model.Transformer).Any(t => t.GetType().Namespace == "Microsoft.ML.Transforms.Image");
        return new Dictionary<string, string>
        {
            [$"{projectName}.csproj"] = Project(ConsumptionCodeFile.PackagesFor(imageTransforms)),
            ["Program.cs"] = Program(column, side * side),
            ["README.md"] = Readme(projectName, side),
        };
    }

    private static string Project(IReadOnlyList<(string Id, string Version)> packages) => $"""
        <Project Sdk="Microsoft.NET.Sdk.Web">
          <!-- Written by cnnml new webapi: serves model.zip with ML.NET alone (no CnnMl). The network is an ONNX graph
               inside the zip, scored by ML.NET's OnnxTransformer on ONNX Runtime. -->
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
          </PropertyGroup>
          <ItemGroup>
        {string.Concat(packages.Select(p => $"    <PackageReference Include=\"{p.Id}\" Version=\"{p.Version}\" />\n"))}  </ItemGroup>
          <ItemGroup>
            <None Include="model.zip" CopyToOutputDirectory="PreserveNewest" />
          </ItemGroup>
        </Project>

        """;

    /// <summary>A source file of cnnml serve (embedded in cnnml.dll), in the project's namespace.</summary>
    private static string ServingSource(string resource, string projectName)
    {
        using var stream = typeof(WebApiProject).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{resource} is not embedded in cnnml.dll.");
        var text = new StreamReader(stream).ReadToEnd();
        const string Namespace = "namespace CnnMl.Demo.Serving;";
        if (!text.Contains(Namespace, StringComparison.Ordinal)) throw new InvalidOperationException($"{resource} does not declare '{Namespace}'.");
        return "// Written by cnnml new webapi: the same code cnnml serve runs.\n" + text.Replace(Namespace, $"namespace {projectName};", StringComparison.Ordinal);
    }

    private static string ImageProgram(string column, string projectName) => $$"""
        // Written by cnnml new webapi. POST /predict with one image's bytes (image/png, image/jpeg or image/bmp) answers
        // {"label": "cat", "top": [{"label": "cat", "score": 0.98}, ...]}; multipart/form-data with files answers a list,
        // one object per file with its "file" name, in order; ?top=N for more classes. As cnnml serve does: each image's
        // header is read before it is decoded (ImageHeader.cs), so a decompression bomb is refused unopened, and every
        // refusal is RFC 7807 problem+json (400, 413, 415). GET /health.
        using System.Globalization;
        using System.Text.Json.Serialization;
        using Microsoft.AspNetCore.Http.Features;
        using Microsoft.Extensions.ObjectPool;
        using Microsoft.ML;
        using Microsoft.ML.Data;
        using Microsoft.ML.Transforms.Image;
        using Microsoft.Net.Http.Headers;
        using {{projectName}};

        const long MaxBodyBytes = {{MaxBodyBytes}};     // the largest request body (10 MB)
        const long MaxImagePixels = {{MaxImagePixels}};    // the largest image a header may declare (4096 × 4096)
        const int MaxFiles = {{MaxFiles}};                  // files per multipart request
        string[] imageTypes = ["image/png", "image/jpeg", "image/bmp"];

        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes);
        builder.Services.Configure<FormOptions>(form =>
        {
            form.MultipartBodyLengthLimit = MaxBodyBytes;
            form.ValueCountLimit = MaxFiles + 16;
        });
        builder.Services.AddProblemDetails();
        var app = builder.Build();

        var ml = new MLContext();
        var model = ml.Model.Load(Path.Combine(AppContext.BaseDirectory, "model.zip"), out _);
        // PredictionEngine is not thread-safe: each image takes one from the pool and gives it back.
        var engines = new DefaultObjectPoolProvider { MaximumRetained = 2 * Environment.ProcessorCount }
            .Create(new EnginePolicy(() => ml.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model)));
        var first = engines.Get();
        var classes = ClassNames(first.OutputSchema["Score"]);
        engines.Return(first);

        app.MapPost("/predict", async (HttpRequest request, CancellationToken cancellation) =>
        {
            try
            {
                var top = Top(request.Query["top"], classes.Length);
                if (request.ContentLength > MaxBodyBytes) throw BodyTooLarge(request.ContentLength.Value);
                var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value?.ToLowerInvariant() ?? "" : "";
                if (mediaType == "multipart/form-data")
                {
                    var answers = new List<Prediction>();
                    var files = await ReadFilesAsync(request, cancellation);
                    for (var i = 0; i < files.Count; i++)
                        answers.Add(Score(files[i].Bytes, $"file '{files[i].Name}' (part {i + 1})", top) with { File = files[i].Name });
                    return Results.Json(answers);
                }
                if (imageTypes.Contains(mediaType)) return Results.Json(Score(await ReadBodyAsync(request, cancellation), "the body", top));
                throw RequestProblem.UnsupportedMediaType(mediaType == "application/json"
                    ? "This model reads images, not pixel vectors: send the image's bytes as image/png, image/jpeg or image/bmp, or files as multipart/form-data."
                    : $"/predict does not read {(mediaType.Length == 0 ? "a body without a Content-Type" : $"'{mediaType}'")}; send an image's bytes as image/png, image/jpeg or image/bmp, or files as multipart/form-data.");
            }
            catch (RequestProblem problem)
            {
                return problem.ToResult();
            }
            catch (BadHttpRequestException e)
            {
                // Kestrel's own refusals while the body is read: 413 past MaxRequestBodySize, 400 for a malformed or too slow body.
                return (e.StatusCode == 413 ? BodyTooLarge(null) : RequestProblem.BadRequest($"The request body could not be read: {e.Message}")).ToResult();
            }
        });
        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        app.Run();

        // The header first (format, declared size, whole file), then ML.NET's decoder, then the model.
        Prediction Score(byte[] bytes, string name, int top)
        {
            var header = ImageHeader.Read(bytes, name, MaxImagePixels);
            MLImage image;
            try
            {
                image = MLImage.CreateFromStream(new MemoryStream(bytes, writable: false));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or NotSupportedException)
            {
                throw RequestProblem.BadRequest($"{char.ToUpperInvariant(name[0])}{name[1..]} has a {header.Format} header ({header.Width} × {header.Height}) but its pixels cannot be decoded ({e.Message.TrimEnd('.')}); send an undamaged file.");
            }
            float[] scores;
            using (image)
            {
                var engine = engines.Get();
                try
                {
                    scores = engine.Predict(new ModelInput { ImageSource = image }).Score;
                }
                finally
                {
                    engines.Return(engine);
                }
            }
            var ranked = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(top)
                .Select(i => new LabelScore(classes[i], scores[i])).ToList();
            return new Prediction(ranked[0].Label, ranked);
        }

        static int Top(string? value, int classes)
        {
            if (value is null) return Math.Min(3, classes);
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var top) || top < 1)
                throw RequestProblem.BadRequest($"?top={value} is not a positive whole number; ask for 1 to {classes} classes.");
            return Math.Min(top, classes);
        }

        static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellation)
        {
            using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 16 * 1024);
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellation)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes) throw BodyTooLarge(null);
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }

        static async Task<List<(string Name, byte[] Bytes)>> ReadFilesAsync(HttpRequest request, CancellationToken cancellation)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellation);
            }
            catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
            {
                throw RequestProblem.TooLarge($"The multipart body is over a limit of the server ({e.Message.TrimEnd('.')}); send at most {MaxFiles} files and {MaxBodyBytes / (1024 * 1024)} MB in all.");
            }
            catch (Exception e) when (e is InvalidDataException or IOException && e is not BadHttpRequestException)
            {
                throw RequestProblem.BadRequest($"The multipart/form-data body is malformed ({e.Message.TrimEnd('.')}); send each image as a file part (curl -F image=@photo.png).");
            }
            if (form.Files.Count == 0)
                throw RequestProblem.BadRequest("The multipart body holds no file; send each image as a file part (curl -F image=@photo.png).");
            if (form.Files.Count > MaxFiles)
                throw RequestProblem.TooLarge($"The multipart body holds {form.Files.Count} files; the server scores at most {MaxFiles} per request. Split them over several requests.");
            var files = new List<(string, byte[])>(form.Files.Count);
            foreach (var file in form.Files)
            {
                using var stream = new MemoryStream((int)file.Length);
                await file.CopyToAsync(stream, cancellation);
                files.Add((string.IsNullOrEmpty(file.FileName) ? file.Name : file.FileName, stream.ToArray()));
            }
            return files;
        }

        static RequestProblem BodyTooLarge(long? length) => RequestProblem.TooLarge(
            (length is { } bytes ? $"The body is {bytes / (1024.0 * 1024):0.##} MB" : "The body is larger than the server takes") +
            $"; the server reads at most {MaxBodyBytes / (1024 * 1024)} MB per request. Send a smaller image.");

        {{SharedTail}}
        /// <summary>
        /// The model's input: {{column}}, one decoded image of any size (the model resizes it). ML.NET's image type asks
        /// for a size to be declared; (1, 1) stands for any.
        /// </summary>
        public sealed class ModelInput
        {
            [ColumnName("{{column}}"), ImageType(1, 1)]
            public MLImage? ImageSource { get; set; }
        }

        """;

    /// <summary>What both programs end with: class names, the output row, the answer records, the engine pool's policy.</summary>
    private const string SharedTail = """
        static string[] ClassNames(DataViewSchema.Column score)
        {
            var names = default(VBuffer<ReadOnlyMemory<char>>);
            score.GetSlotNames(ref names);
            return names.DenseValues().Select(n => n.ToString()).ToArray();
        }

        /// <summary>The model's output: one probability per class, in the order of the Score column's slot names.</summary>
        public sealed class ModelOutput
        {
            [ColumnName("Score")]
            public float[] Score { get; set; } = [];
        }

        public sealed record LabelScore([property: JsonPropertyName("label")] string Label, [property: JsonPropertyName("score")] float Score);

        /// <summary>One image's answer; <see cref="File"/> names the uploaded file in a multipart answer.</summary>
        public sealed record Prediction(
            [property: JsonPropertyName("label")] string Label,
            [property: JsonPropertyName("top")] IReadOnlyList<LabelScore> Top,
            [property: JsonPropertyName("file"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? File = null);

        sealed class EnginePolicy(Func<PredictionEngine<ModelInput, ModelOutput>> create) : PooledObjectPolicy<PredictionEngine<ModelInput, ModelOutput>>
        {
            public override PredictionEngine<ModelInput, ModelOutput> Create() => create();

            public override bool Return(PredictionEngine<ModelInput, ModelOutput> obj) => true;
        }

        """;

    private static string Program(string column, int size) => $$"""
        // Written by cnnml new webapi. POST /predict with application/json {"pixels": [{{size}} values in [0, 1], row by row]}
        // answers {"label": "7", "top": [{"label": "7", "score": 0.998}, ...]}, as cnnml serve does; GET /health.
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using Microsoft.Extensions.ObjectPool;
        using Microsoft.ML;
        using Microsoft.ML.Data;

        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 1024 * 1024);
        var app = builder.Build();

        var ml = new MLContext();
        var model = ml.Model.Load(Path.Combine(AppContext.BaseDirectory, "model.zip"), out var inputSchema);
        var classes = ClassNames(model.GetOutputSchema(inputSchema)["Score"]);
        // PredictionEngine is not thread-safe: each request takes one from the pool and gives it back.
        var engines = new DefaultObjectPoolProvider { MaximumRetained = 2 * Environment.ProcessorCount }
            .Create(new EnginePolicy(() => ml.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model)));

        app.MapPost("/predict", async (HttpRequest request) =>
        {
            if (!request.HasJsonContentType())
                return Results.Problem(statusCode: 415, title: "Unsupported media type",
                    detail: "/predict reads application/json {\"pixels\": [{{size}} values in [0, 1]]}; got '" + request.ContentType + "'.");
            PixelsBody? body;
            try
            {
                body = await request.ReadFromJsonAsync<PixelsBody>();
            }
            catch (JsonException e)
            {
                return Results.Problem(statusCode: 400, title: "The request cannot be scored", detail: "The body is not JSON of the form {\"pixels\": [{{size}} numbers]} (" + e.Message + ").");
            }
            if (body?.Pixels is not { } pixels || pixels.Length != {{size}})
                return Results.Problem(statusCode: 400, title: "The request cannot be scored",
                    detail: $"\"pixels\" holds {body?.Pixels?.Length ?? 0} values; this model reads {{size}} grayscale values in [0, 1], row by row.");
            var outside = Array.FindIndex(pixels, p => !(p >= 0f && p <= 1f));
            if (outside >= 0)
                return Results.Problem(statusCode: 400, title: "The request cannot be scored",
                    detail: $"\"pixels\"[{outside}] is {pixels[outside]}; every value must be in [0, 1] (a 0–255 gray level divided by 255).");
            var top = int.TryParse(request.Query["top"], out var n) && n > 0 ? Math.Min(n, classes.Length) : Math.Min(3, classes.Length);
            var engine = engines.Get();
            float[] scores;
            try
            {
                scores = engine.Predict(new ModelInput { Pixels = pixels }).Score;
            }
            finally
            {
                engines.Return(engine);
            }
            var ranked = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(top)
                .Select(i => new LabelScore(classes[i], scores[i])).ToList();
            return Results.Json(new Prediction(ranked[0].Label, ranked));
        });
        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        app.Run();

        {{SharedTail}}
        /// <summary>The model's input: {{column}}, {{size}} grayscale values in [0, 1], row by row.</summary>
        public sealed class ModelInput
        {
            [ColumnName("{{column}}"), VectorType({{size}})]
            public float[] Pixels { get; set; } = [];
        }

        public sealed record PixelsBody([property: JsonPropertyName("pixels")] float[]? Pixels);

        """;

    private static string Readme(string projectName, int side) => $$"""
        # {{projectName}}

        Written by `cnnml new webapi`: an ASP.NET Core minimal API serving `model.zip` with ML.NET alone (no CnnMl).

        ```bash
        dotnet run --urls http://127.0.0.1:5000
        curl -s -X POST http://127.0.0.1:5000/predict -H 'Content-Type: application/json' -d '{"pixels": [ ... {{side * side}} values in [0, 1] ... ]}'
        ```

        The answer is `{"label": "7", "top": [{"label": "7", "score": 0.998}, ...]}` (`?top=N` for more classes), the same
        contract as `cnnml serve`'s `/predict` for JSON pixels; refusals are RFC 7807 problem+json (400, 413, 415).

        """;

    private static string ImageReadme(string projectName) => $$"""
        # {{projectName}}

        Written by `cnnml new webapi`: an ASP.NET Core minimal API serving `model.zip` with ML.NET alone (no CnnMl).

        ```bash
        dotnet run --urls http://127.0.0.1:5000
        curl -s -X POST http://127.0.0.1:5000/predict -H 'Content-Type: image/png' --data-binary @photo.png
        curl -s -X POST 'http://127.0.0.1:5000/predict?top=5' -F image=@a.jpg -F image=@b.png
        ```

        The answer is `{"label": "cat", "top": [{"label": "cat", "score": 0.98}, ...]}` (`?top=N` for more classes; a list
        with each file's name for multipart), the same contract as `cnnml serve`'s `/predict` for images. Each upload's
        header (`ImageHeader.cs`, the code cnnml serve runs) is read before ML.NET decodes it: a file that is no PNG, JPEG or
        BMP, or is cut short, is refused (400), and so is an image declaring more than {{MaxImagePixels / 1e6:0.#}} megapixels (413)
        before any pixel is inflated. Bodies are limited to {{MaxBodyBytes / (1024 * 1024)}} MB and {{MaxFiles}} files (413); other media
        types get 415. Refusals are RFC 7807 problem+json (`RequestProblem.cs`). Each request scores on a `PredictionEngine`
        of its own from a pool (an engine is not thread-safe). Change the limits at the top of `Program.cs`.

        """;

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [transformer];
}
