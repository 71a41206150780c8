using System.Security.Cryptography;
using CnnMl.Demo.Models;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using static Microsoft.ML.Transforms.Image.ImagePixelExtractingEstimator;

namespace CnnMl.Demo.Serving;

/// <summary>
/// One loaded version of the model file: the pipeline, its pooled prediction engines and its description. Requests
/// hold a lease on it (<see cref="TryAcquire"/> / <see cref="Release"/>), so when a new version replaces it, the
/// requests already running finish on it and it is disposed once the last of them has released it.
/// </summary>
internal sealed class ServedModel
{
    /// <summary>Media types of encoded images /predict reads.</summary>
    public static readonly string[] ImageMediaTypes = ["image/png", "image/jpeg", "image/bmp"];

    private readonly SavedModel _model;
    private readonly EnginePool<VectorInput>? _vectors;
    private readonly EnginePool<UploadedImage.Row> _images;
    private int _references = 1;

    private ServedModel(SavedModel model, string version, int? vectorSize, EnginePool<VectorInput>? vectors, EnginePool<UploadedImage.Row> images,
        IReadOnlyList<string> classes, ModelDescription description)
    {
        _model = model;
        Version = version;
        VectorSize = vectorSize;
        _vectors = vectors;
        _images = images;
        Classes = classes;
        Description = description;
    }

    /// <summary>The first 12 hex digits of the file's SHA-256: names this version in /health, /model and each response's <c>X-Model-Version</c>.</summary>
    public string Version { get; }

    /// <summary>Values a vector model reads (784 for MNIST); null for a model that reads encoded images.</summary>
    public int? VectorSize { get; }

    /// <summary>The class names, in score order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>GET /model.</summary>
    public ModelDescription Description { get; }

    /// <summary>When this version was loaded.</summary>
    public DateTimeOffset LoadedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// Loads and checks the zip at <paramref name="path"/> (<c>LoadVerified</c>: a damaged file throws
    /// <see cref="InvalidDataException"/>) and makes its first engines.
    /// </summary>
    public static ServedModel Load(string path, int engines)
    {
        var version = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))[..12];
        var ml = new MLContext(seed: 1);
        var model = SavedModel.Load(ml, path);
        try
        {
            var classes = model.ClassNames() ?? throw new InvalidDataException(
                $"'{path}' does not name its classes (its Score column has no slot names); cnnml serve answers with class names.");
            if (model.EncodedImageInput() is { } sourceColumn)
            {
                // A model that reads an image's encoded bytes (cnnml train --images): each upload is decoded with
                // MLImage.CreateFromStream into the zip's own input column, the route plain ML.NET's caller takes.
                var images = new EnginePool<UploadedImage.Row>(ml, model.Transformer, UploadedImage.Definition(sourceColumn), engines);
                var input = new ModelInput("image", sourceColumn, "encoded image", "", ImageMediaTypes.Append("multipart/form-data").ToArray());
                return new ServedModel(model, version, null, null, images, classes, ModelDescription.Read(model, input, classes, version));
            }
            if (model.ImagePathInput() is { } pathColumn)
            {
                // A zip saved with LoadImages on a path at its start (CnnImageInput): uploads enter right after that step.
                var (imageColumn, rest) = AfterImageLoading(model);
                var images = new EnginePool<UploadedImage.Row>(ml, rest, UploadedImage.Definition(imageColumn), engines);
                var input = new ModelInput("image", pathColumn, "encoded image", "", ImageMediaTypes.Append("multipart/form-data").ToArray());
                return new ServedModel(model, version, null, null, images, classes, ModelDescription.Read(model, input, classes, version));
            }
            var (column, side) = model.SquareGrayscaleInput();
            var vectors = new EnginePool<VectorInput>(ml, model.Transformer, VectorInput.Definition(column, side * side), engines);
            var fromImages = new EnginePool<UploadedImage.Row>(ml, new TransformerChain<ITransformer>(GrayscaleVector(ml, column, side), model.Transformer),
                UploadedImage.Definition(UploadColumn), engines);
            var vectorInput = new ModelInput("vector", column, $"{side * side} floats in [0, 1], row by row", $"1x{side}x{side}",
                ["application/json", .. ImageMediaTypes, "multipart/form-data"]);
            return new ServedModel(model, version, side * side, vectors, fromImages, classes, ModelDescription.Read(model, vectorInput, classes, version));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Takes a lease; false once this version has been retired and released by all.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var count = Volatile.Read(ref _references);
            if (count == 0) return false;
            if (Interlocked.CompareExchange(ref _references, count + 1, count) == count) return true;
        }
    }

    /// <summary>Gives a lease back (and the holder's own, on retirement); the last one disposes the pipeline.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        _vectors?.Dispose();
        _images.Dispose();
        _model.Dispose();
    }

    /// <summary>True once disposed (every lease released after retirement).</summary>
    public bool Disposed => Volatile.Read(ref _references) == 0;

    /// <summary>Class scores of a vector of <see cref="VectorSize"/> values.</summary>
    public float[] ScoreVector(float[] values) =>
        (_vectors ?? throw new InvalidOperationException("This model reads encoded images, not vectors.")).Score(new VectorInput { Values = values });

    /// <summary>Class scores of a decoded image.</summary>
    public float[] ScoreImage(MLImage image) => _images.Score(new UploadedImage.Row { Image = image });

    /// <summary>The column an upload enters a vector model's pipeline through.</summary>
    private const string UploadColumn = "Upload.Image";

    /// <summary>
    /// An image → <paramref name="side"/>² grayscale values / 255 in <paramref name="column"/>: the steps of
    /// <c>CnnImageInput(1×side×side, Fill)</c> after its LoadImages, as <c>cnnml predict</c> reads image files.
    /// </summary>
    private static ITransformer GrayscaleVector(MLContext ml, string column, int side)
    {
        var chain = ml.Transforms.ResizeImages(UploadColumn, side, side, UploadColumn, ImageResizingEstimator.ResizingKind.Fill)
            .Append(ml.Transforms.ConvertToGrayscale(UploadColumn))
            .Append(ml.Transforms.ExtractPixels("Upload.Raw", UploadColumn, ColorBits.Red, ColorsOrder.ARGB, interleavePixelColors: false))
            .Append(ml.Transforms.Expression(column, "x : x / 255.0", "Upload.Raw"));
        return chain.Fit(ml.Data.LoadFromEnumerable(new List<UploadedImage.Row>(), UploadedImage.Definition(UploadColumn)));
    }

    /// <summary>The pipeline of an image-folder model without its first step (LoadImages), and the image column that step wrote.</summary>
    private static (string ImageColumn, ITransformer Remainder) AfterImageLoading(SavedModel model)
    {
        var steps = Flatten(model.Transformer).ToList();
        if (steps.Count < 2 || steps[0] is not ImageLoadingTransformer loader)
            throw new NotSupportedException($"'{model.Path}' reads image paths but its pipeline does not start with LoadImages; cnnml serve cannot feed it uploads.");
        var imageColumn = loader.GetOutputSchema(model.InputSchema).Where(c => c.Type is ImageDataViewType && model.InputSchema.GetColumnOrNull(c.Name) is null)
            .Select(c => c.Name).Single();
        return (imageColumn, new TransformerChain<ITransformer>(steps.Skip(1).ToArray()));
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [transformer];
}
