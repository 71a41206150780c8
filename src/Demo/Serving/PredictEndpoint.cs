using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace CnnMl.Demo.Serving;

/// <summary>
/// <c>POST /predict</c>: one image's bytes (<c>image/png</c>, <c>image/jpeg</c>, <c>image/bmp</c>), files in
/// <c>multipart/form-data</c> (one answer per file, in order), or for a vector model <c>application/json</c>
/// <c>{"pixels": [...]}</c>. Every upload's header is checked before it is decoded (<see cref="ImageHeader"/>); every
/// refusal is a <see cref="RequestProblem"/>.
/// </summary>
internal sealed class PredictEndpoint(ModelHost host, ServerOptions options)
{
    private readonly UploadReader _uploads = new(options.MaxBodyBytes, options.MaxFilesPerRequest, " (cnnml serve --max-body-mb)", "digit.png");

    /// <summary>The header naming the model version that answered.</summary>
    public const string VersionHeader = "X-Model-Version";

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var cancellation = context.RequestAborted;
        var model = host.Acquire();
        try
        {
            context.Response.Headers[VersionHeader] = model.Version;
            if (options.BeforeScoring is { } wait) await wait(cancellation);
            var top = Top(context.Request, model.Classes.Count);
            var request = context.Request;
            if (request.ContentLength > options.MaxBodyBytes) throw _uploads.BodyTooLarge(request.ContentLength.Value);
            var mediaType = MediaType(request);
            if (mediaType == "multipart/form-data")
            {
                var files = await _uploads.ReadFilesAsync(request, cancellation);
                var results = new List<PredictionResult>(files.Count);
                for (var i = 0; i < files.Count; i++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var (name, bytes) = files[i];
                    results.Add(PredictionResult.From(ScoreImage(model, bytes, $"file '{name}' (part {i + 1})"), model.Classes, top, name));
                }
                return Results.Json(results);
            }
            if (ServedModel.ImageMediaTypes.Contains(mediaType))
            {
                var bytes = await _uploads.ReadBodyAsync(request, cancellation);
                return Results.Json(PredictionResult.From(ScoreImage(model, bytes, "the body"), model.Classes, top));
            }
            if (mediaType == "application/json")
            {
                if (model.VectorSize is not { } size)
                    throw RequestProblem.UnsupportedMediaType(
                        "This model reads images, not pixel vectors: send the image's bytes as image/png, image/jpeg or image/bmp, or files as multipart/form-data.");
                var pixels = Pixels(await _uploads.ReadBodyAsync(request, cancellation), size);
                return Results.Json(PredictionResult.From(model.ScoreVector(pixels), model.Classes, top));
            }
            throw RequestProblem.UnsupportedMediaType(
                $"/predict does not read {(mediaType.Length == 0 ? "a body without a Content-Type" : $"'{mediaType}'")}; send {Accepted(model)}.");
        }
        catch (RequestProblem problem)
        {
            return problem.ToResult();
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own refusals while the body is read: 413 past MaxRequestBodySize, 400 for a malformed or too slow body.
            return (e.StatusCode == StatusCodes.Status413PayloadTooLarge ? _uploads.BodyTooLarge(null) : RequestProblem.BadRequest($"The request body could not be read: {e.Message}")).ToResult();
        }
        finally
        {
            model.Release();
        }
    }

    private float[] ScoreImage(ServedModel model, byte[] bytes, string name)
    {
        var header = ImageHeader.Read(bytes, name, options.MaxImagePixels);
        using var image = UploadedImage.Decode(bytes, header, name);
        return model.ScoreImage(image);
    }

    private static string MediaType(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value?.ToLowerInvariant() ?? "" : "";

    private static string Accepted(ServedModel model) =>
        (model.VectorSize is { } size ? $"application/json {{\"pixels\": [{size} values in [0, 1]]}}, " : "") +
        "an image's bytes as image/png, image/jpeg or image/bmp, or files as multipart/form-data";

    private static int Top(HttpRequest request, int classes)
    {
        if (!request.Query.TryGetValue("top", out var value)) return Math.Min(3, classes);
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var top) || top < 1)
            throw RequestProblem.BadRequest($"?top={value} is not a positive whole number; ask for 1 to {classes} classes.");
        return Math.Min(top, classes);
    }

    private static float[] Pixels(byte[] body, int size)
    {
        PixelsBody? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<PixelsBody>(body);
        }
        catch (JsonException e)
        {
            throw RequestProblem.BadRequest($"The body is not JSON of the form {{\"pixels\": [{size} numbers]}} ({e.Message.TrimEnd('.')}).");
        }
        if (parsed?.Pixels is not { } pixels)
            throw RequestProblem.BadRequest($"The JSON body has no \"pixels\" array; send {{\"pixels\": [{size} numbers in [0, 1], row by row]}}.");
        if (pixels.Length != size)
            throw RequestProblem.BadRequest($"\"pixels\" holds {pixels.Length} values; this model reads {size} ({(int)Math.Sqrt(size)} × {(int)Math.Sqrt(size)} grayscale values in [0, 1], row by row).");
        for (var i = 0; i < pixels.Length; i++)
        {
            if (!(pixels[i] >= 0f && pixels[i] <= 1f))
                throw RequestProblem.BadRequest(
                    $"\"pixels\"[{i}] is {pixels[i].ToString(CultureInfo.InvariantCulture)}; every value must be in [0, 1] (a 0–255 gray level divided by 255).");
        }
        return pixels;
    }

    private sealed record PixelsBody([property: JsonPropertyName("pixels")] float[]? Pixels);
}
