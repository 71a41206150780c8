using CnnMl.Demo.Models;

namespace CnnMl.Demo.Scaffolding;

/// <summary>
/// <c>cnnml new webapi</c>'s project: a minimal ASP.NET Core app that references ML.NET's packages only (no CnnMl)
/// and serves a copy of the model zip with <c>cnnml serve</c>'s <c>/predict</c> contract: an image's bytes
/// (<c>image/png</c>, <c>image/jpeg</c>, <c>image/bmp</c>), <c>multipart/form-data</c> files, and for an MNIST-vector
/// model <c>application/json</c> <c>{"pixels": [...]}</c> in; <c>{"label", "top": [{"label", "score"}]}</c> out;
/// problem+json refusals; one pooled <c>PredictionEngine</c> per concurrent request. Every upload's header is checked by
/// cnnml serve's own <see cref="Serving.ImageHeader"/> (written into the project) before ML.NET decodes it. A model that
/// reads an image's encoded bytes (<c>cnnml train --images</c>) gets the decoded upload in its own input column; a
/// vector model gets it through the steps cnnml serve and cnnml predict use (resize, grayscale, / 255).
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
        string program;
        if (model.EncodedImageInput() is { } imageColumn) program = Program(projectName, imageColumn, vectorSide: null);
        else if (model.ImagePathInput() is { } pathColumn)
            throw new NotSupportedException(
                $"'{model.Path}' reads image file paths ({pathColumn}): its pipeline starts with LoadImages, so a web app would have to write every upload to a file. " +
                "Train it again with cnnml train --images, whose zip reads the image's bytes, or serve this one with cnnml serve --model.");
        else
        {
            var (column, side) = model.SquareGrayscaleInput();
            program = Program(projectName, column, side);
        }
        return new Dictionary<string, string>
        {
            // Image uploads are decoded and resized by ML.NET's ImageAnalytics, whatever the zip reads.
            [$"{projectName}.csproj"] = Project(ConsumptionCodeFile.PackagesFor(readsImages: true)),
            ["Program.cs"] = program,
            ["ImageHeader.cs"] = ServingSource("webapi-ImageHeader.cs", projectName),
            ["RequestProblem.cs"] = ServingSource("webapi-RequestProblem.cs", projectName),
            ["UploadReader.cs"] = ServingSource("webapi-UploadReader.cs", projectName),
            ["README.md"] = Readme(projectName, vector: model.EncodedImageInput() is null),
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

    /// <summary>
    /// Program.cs: for a model reading encoded images, the decoded upload goes to <paramref name="column"/>; for a vector
    /// model (<paramref name="vectorSide"/>² values in <paramref name="column"/>), JSON pixels go there directly and an
    /// upload through the grayscale steps.
    /// </summary>
    private static string Program(string projectName, string column, int? vectorSide)
    {
        var vector = vectorSide is not null;
        var side = vectorSide ?? 0;
        var size = side * side;
        var accepted = (vector ? "application/json {{\\\"pixels\\\": [" + size + " values in [0, 1]]}}, " : "") +
            "an image's bytes as image/png, image/jpeg or image/bmp, or files as multipart/form-data";
        var engines = vector
            ? $$"""
                // An upload becomes the model's {{column}} as cnnml serve and cnnml predict make it: resized to {{side}} × {{side}} (fill),
                // grayscale, each value / 255.
                var toPixels = ml.Transforms.ResizeImages("Upload", {{side}}, {{side}}, "Upload", ImageResizingEstimator.ResizingKind.Fill)
                    .Append(ml.Transforms.ConvertToGrayscale("Upload"))
                    .Append(ml.Transforms.ExtractPixels("Upload.Raw", "Upload", ImagePixelExtractingEstimator.ColorBits.Red,
                        ImagePixelExtractingEstimator.ColorsOrder.ARGB, interleavePixelColors: false))
                    .Append(ml.Transforms.Expression("{{column}}", "x : x / 255.0", "Upload.Raw"))
                    .Fit(ml.Data.LoadFromEnumerable(new List<UploadInput>()));
                var images = new Engines<UploadInput>(() => ml.Model.CreatePredictionEngine<UploadInput, ModelOutput>(toPixels.Append(model)));
                var vectors = new Engines<ModelInput>(() => ml.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model));
                var classes = vectors.ClassNames;
                float[] ScoreImage(MLImage image) => images.Score(new UploadInput { Image = image });
                """
            : """
                var images = new Engines<ModelInput>(() => ml.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model));
                var classes = images.ClassNames;
                float[] ScoreImage(MLImage image) => images.Score(new ModelInput { ImageSource = image });
                """;
        var json = vector
            ? """
                if (mediaType == "application/json") return Results.Json(Rank(vectors.Score(new ModelInput { Pixels = Pixels(await uploads.ReadBodyAsync(request, cancellation)) }), classes, top));
                """
            : """
                if (mediaType == "application/json")
                    throw RequestProblem.UnsupportedMediaType("This model reads images, not pixel vectors: send the image's bytes as image/png, image/jpeg or image/bmp, or files as multipart/form-data.");
                """;
        var pixels = vector
            ? $$"""

                static float[] Pixels(byte[] body)
                {
                    PixelsBody? parsed;
                    try
                    {
                        parsed = JsonSerializer.Deserialize<PixelsBody>(body);
                    }
                    catch (JsonException e)
                    {
                        throw RequestProblem.BadRequest("The body is not JSON of the form {\"pixels\": [{{size}} numbers]} (" + e.Message.TrimEnd('.') + ").");
                    }
                    if (parsed?.Pixels is not { } pixels)
                        throw RequestProblem.BadRequest("The JSON body has no \"pixels\" array; send {\"pixels\": [{{size}} numbers in [0, 1], row by row]}.");
                    if (pixels.Length != {{size}})
                        throw RequestProblem.BadRequest($"\"pixels\" holds {pixels.Length} values; this model reads {{size}} ({{side}} × {{side}} grayscale values in [0, 1], row by row).");
                    for (var i = 0; i < pixels.Length; i++)
                    {
                        if (!(pixels[i] >= 0f && pixels[i] <= 1f))
                            throw RequestProblem.BadRequest($"\"pixels\"[{i}] is {pixels[i].ToString(CultureInfo.InvariantCulture)}; every value must be in [0, 1] (a 0–255 gray level divided by 255).");
                    }
                    return pixels;
                }
                """
            : "";
        var inputs = vector
            ? $$"""
                /// <summary>The model's input: {{column}}, {{size}} grayscale values in [0, 1], row by row.</summary>
                public sealed class ModelInput
                {
                    [ColumnName("{{column}}"), VectorType({{size}})]
                    public float[] Pixels { get; set; } = [];
                }

                /// <summary>An uploaded image, decoded, before the steps that make it the model's input (any size: they resize it).</summary>
                public sealed class UploadInput
                {
                    [ColumnName("Upload"), ImageType(1, 1)]
                    public MLImage? Image { get; set; }
                }

                public sealed record PixelsBody([property: JsonPropertyName("pixels")] float[]? Pixels);
                """
            : $$"""
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
        return $$"""
            // Written by cnnml new webapi. POST /predict with one image's bytes (image/png, image/jpeg or image/bmp){{(vector ? $" or application/json\n// {{\"pixels\": [{size} values in [0, 1], row by row]}}" : "")}} answers {"label": "7", "top": [{"label": "7", "score": 0.98}, ...]};
            // multipart/form-data with files answers a list, one object per file with its "file" name, in order; ?top=N for
            // more classes. As cnnml serve does: each image's header is read before it is decoded (ImageHeader.cs), so a
            // decompression bomb is refused unopened, and every refusal is RFC 7807 problem+json (400, 413, 415). GET /health.
            using System.Globalization;
            using System.Text.Json;
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
            var uploads = new UploadReader(MaxBodyBytes, MaxFiles, "", "photo.png");   // the body or the files, within the limits (UploadReader.cs)

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
            {{engines}}

            app.MapPost("/predict", async (HttpRequest request, CancellationToken cancellation) =>
            {
                try
                {
                    var top = Top(request.Query["top"], classes.Length);
                    if (request.ContentLength > MaxBodyBytes) throw uploads.BodyTooLarge(request.ContentLength.Value);
                    var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value?.ToLowerInvariant() ?? "" : "";
                    if (mediaType == "multipart/form-data")
                    {
                        var answers = new List<Prediction>();
                        var files = await uploads.ReadFilesAsync(request, cancellation);
                        for (var i = 0; i < files.Count; i++)
                            answers.Add(Rank(Score(files[i].Bytes, $"file '{files[i].Name}' (part {i + 1})"), classes, top) with { File = files[i].Name });
                        return Results.Json(answers);
                    }
                    if (imageTypes.Contains(mediaType)) return Results.Json(Rank(Score(await uploads.ReadBodyAsync(request, cancellation), "the body"), classes, top));
                    {{json}}
                    throw RequestProblem.UnsupportedMediaType(
                        $"/predict does not read {(mediaType.Length == 0 ? "a body without a Content-Type" : $"'{mediaType}'")}; send {{accepted}}.");
                }
                catch (RequestProblem problem)
                {
                    return problem.ToResult();
                }
                catch (BadHttpRequestException e)
                {
                    // Kestrel's own refusals while the body is read: 413 past MaxRequestBodySize, 400 for a malformed or too slow body.
                    return (e.StatusCode == 413 ? uploads.BodyTooLarge(null) : RequestProblem.BadRequest($"The request body could not be read: {e.Message}")).ToResult();
                }
            });
            app.MapGet("/health", () => Results.Json(new { status = "ok" }));
            app.Run();

            // The header first (format, declared size, whole file), then ML.NET's decoder, then the model.
            float[] Score(byte[] bytes, string name)
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
                using (image) return ScoreImage(image);
            }

            // The best classes, best first (ties: the lower index, as ML.NET's arg-max).
            static Prediction Rank(float[] scores, string[] classes, int top)
            {
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

            {{pixels}}

            {{inputs}}

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

            /// <summary>
            /// Prediction engines for one pipeline, pooled: PredictionEngine is not thread-safe, so each request takes one of
            /// its own and gives it back (the ONNX Runtime session under them is one, shared).
            /// </summary>
            sealed class Engines<TInput> where TInput : class
            {
                private readonly ObjectPool<PredictionEngine<TInput, ModelOutput>> _pool;

                public Engines(Func<PredictionEngine<TInput, ModelOutput>> create)
                {
                    _pool = new DefaultObjectPoolProvider { MaximumRetained = 2 * Environment.ProcessorCount }.Create(new Policy(create));
                    // The first engine is made now: a pipeline that cannot score this input stops the app before it listens.
                    var first = _pool.Get();
                    var names = default(VBuffer<ReadOnlyMemory<char>>);
                    first.OutputSchema["Score"].GetSlotNames(ref names);
                    ClassNames = names.DenseValues().Select(n => n.ToString()).ToArray();
                    _pool.Return(first);
                }

                /// <summary>The class names, in score order (the Score column's slot names).</summary>
                public string[] ClassNames { get; }

                public float[] Score(TInput input)
                {
                    var engine = _pool.Get();
                    try
                    {
                        return engine.Predict(input).Score;
                    }
                    finally
                    {
                        _pool.Return(engine);
                    }
                }

                private sealed class Policy(Func<PredictionEngine<TInput, ModelOutput>> create) : PooledObjectPolicy<PredictionEngine<TInput, ModelOutput>>
                {
                    public override PredictionEngine<TInput, ModelOutput> Create() => create();

                    public override bool Return(PredictionEngine<TInput, ModelOutput> obj) => true;
                }
            }

            """;
    }

    private static string Readme(string projectName, bool vector) => $$"""
        # {{projectName}}

        Written by `cnnml new webapi`: an ASP.NET Core minimal API serving `model.zip` with ML.NET alone (no CnnMl).

        ```bash
        dotnet run --urls http://127.0.0.1:5000
        curl -s -X POST http://127.0.0.1:5000/predict -H 'Content-Type: image/png' --data-binary @photo.png
        curl -s -X POST 'http://127.0.0.1:5000/predict?top=5' -F image=@a.jpg -F image=@b.png{{(vector ? "\n        curl -s -X POST http://127.0.0.1:5000/predict -H 'Content-Type: application/json' -d '{\"pixels\": [ ... values in [0, 1], row by row ... ]}'" : "")}}
        ```

        The answer is `{"label": "7", "top": [{"label": "7", "score": 0.98}, ...]}` (`?top=N` for more classes; a list
        with each file's name for multipart), the same contract as `cnnml serve`'s `/predict`. Each upload's header
        (`ImageHeader.cs`, the code cnnml serve runs) is read before ML.NET decodes it: a file that is no PNG, JPEG or BMP,
        or is cut short, is refused (400), and so is an image declaring more than {{MaxImagePixels / 1e6:0.#}} megapixels (413) before
        any pixel is inflated. Bodies are limited to {{MaxBodyBytes / (1024 * 1024)}} MB and {{MaxFiles}} files (413); other media types get
        415. Refusals are RFC 7807 problem+json (`RequestProblem.cs`). Each request scores on a `PredictionEngine` of its
        own from a pool (an engine is not thread-safe). Change the limits at the top of `Program.cs`.

        """;
}
