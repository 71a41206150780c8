using System.Globalization;
using System.Reflection;
using CnnMl.Demo.Models;
using Microsoft.ML;

namespace CnnMl.Demo.Scaffolding;

/// <summary>
/// <c>cnnml new webapi</c>'s project: a minimal ASP.NET Core app that references ML.NET's packages only (no CnnMl)
/// and serves a copy of the model zip with <c>cnnml serve</c>'s <c>/predict</c> contract: <c>application/json</c>
/// <c>{"pixels": [...]}</c> in, <c>{"label", "top": [{"label", "score"}]}</c> out, problem+json refusals, one
/// pooled <c>PredictionEngine</c> per concurrent request. For MNIST-vector models; an image-folder model's zip reads
/// file paths, and waits for the zips that read image bytes.
/// </summary>
internal static class WebApiProject
{
    /// <summary>The files of the project for <paramref name="model"/>, by relative path (the zip is copied beside them by the caller).</summary>
    public static IReadOnlyDictionary<string, string> Files(SavedModel model, string projectName)
    {
        if (model.ImagePathInput() is { } pathColumn)
            throw new NotSupportedException(
                $"'{model.Path}' reads image file paths ({pathColumn}); cnnml new webapi writes projects for models that read pixel vectors (MNIST's Image column) " +
                "until image models' zips read the image's bytes. Serve it with cnnml serve --model instead.");
        var (column, side) = model.SquareGrayscaleInput();
        var imageTransforms = Flatten(model.Transformer).Any(t => t.GetType().Namespace == "Microsoft.ML.Transforms.Image");
        return new Dictionary<string, string>
        {
            [$"{projectName}.csproj"] = Project(imageTransforms),
            ["Program.cs"] = Program(column, side * side),
            ["README.md"] = Readme(projectName, side),
        };
    }

    private static string Project(bool imageTransforms)
    {
        var mlNet = Version(typeof(MLContext).Assembly);
        var onnxRuntime = Version(typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly);
        var image = imageTransforms
            ? $"""

                  <!-- The zip resizes the digit with ML.NET's image transforms. -->
                  <PackageReference Include="Microsoft.ML.ImageAnalytics" Version="{mlNet}" />
                  <PackageReference Include="SkiaSharp.NativeAssets.Linux.NoDependencies" Version="{Version(typeof(SkiaSharp.SKBitmap).Assembly)}" />
              """
            : "";
        return $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <!-- Written by cnnml new webapi: serves model.zip with ML.NET alone (no CnnMl). -->
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.ML" Version="{mlNet}" />
                <!-- The network is an ONNX graph inside the zip, scored by ML.NET's OnnxTransformer on ONNX Runtime. -->
                <PackageReference Include="Microsoft.ML.OnnxTransformer" Version="{mlNet}" />
                <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="{onnxRuntime}" />{image}
              </ItemGroup>
              <ItemGroup>
                <None Include="model.zip" CopyToOutputDirectory="PreserveNewest" />
              </ItemGroup>
            </Project>

            """;
    }

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
                    detail: $"\"pixels\"[{outside}] is {pixels[outside]}; every value must be in [0, 1] (a 0–255 grey level divided by 255).");
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

        static string[] ClassNames(DataViewSchema.Column score)
        {
            var names = default(VBuffer<ReadOnlyMemory<char>>);
            score.GetSlotNames(ref names);
            return names.DenseValues().Select(n => n.ToString()).ToArray();
        }

        /// <summary>The model's input: {{column}}, {{size}} grayscale values in [0, 1], row by row.</summary>
        public sealed class ModelInput
        {
            [ColumnName("{{column}}"), VectorType({{size}})]
            public float[] Pixels { get; set; } = [];
        }

        /// <summary>The model's output: one probability per class, in the order of the Score column's slot names.</summary>
        public sealed class ModelOutput
        {
            [ColumnName("Score")]
            public float[] Score { get; set; } = [];
        }

        public sealed record PixelsBody([property: JsonPropertyName("pixels")] float[]? Pixels);

        public sealed record LabelScore([property: JsonPropertyName("label")] string Label, [property: JsonPropertyName("score")] float Score);

        public sealed record Prediction([property: JsonPropertyName("label")] string Label, [property: JsonPropertyName("top")] IReadOnlyList<LabelScore> Top);

        sealed class EnginePolicy(Func<PredictionEngine<ModelInput, ModelOutput>> create) : PooledObjectPolicy<PredictionEngine<ModelInput, ModelOutput>>
        {
            public override PredictionEngine<ModelInput, ModelOutput> Create() => create();

            public override bool Return(PredictionEngine<ModelInput, ModelOutput> obj) => true;
        }

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

    private static string Version(Assembly assembly) =>
        (assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version!.ToString(3)).Split('+')[0];

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [transformer];
}
