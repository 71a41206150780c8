using CnnMl.Demo.Models;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Demo.Commands.Predict;

/// <summary>An image file read once and checked whole (<see cref="CnnMl.Data.ImageFiles"/>): its path and its bytes.</summary>
/// <param name="Path">The path as it is shown (typed, or a folder's file's full path).</param>
/// <param name="Bytes">The file's bytes.</param>
internal sealed record CheckedImage(string Path, byte[] Bytes)
{
    /// <summary>Reads and checks <paramref name="path"/>; throws <see cref="CnnMl.Data.ImageFileException"/> (or an I/O exception) naming it.</summary>
    public static CheckedImage Read(string path, string shownAs)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"Image file '{shownAs}' does not exist.", path);
        if (info.Length > CnnMl.Data.ImageFiles.MaxFileBytes)
            throw new CnnMl.Data.ImageFileException(shownAs, $"{info.Length:N0} bytes is more than the {CnnMl.Data.ImageFiles.MaxFileBytes:N0} an image may have");
        var bytes = File.ReadAllBytes(path);
        CnnMl.Data.ImageFiles.CheckBytes(bytes, shownAs);
        return new CheckedImage(path, bytes);
    }
}

/// <summary>
/// Scores checked image files with a loaded zip in one batch <c>Transform</c>, in the form the zip reads: decoded images
/// (a model trained from an image folder: the bytes decoded with <c>MLImage.CreateFromStream</c>, as <c>LoadImages</c>
/// decodes a file), paths (a zip whose pipeline starts with <c>LoadImages</c>), or square grayscale vectors (MNIST models:
/// grayscale, side × side, pixel / 255).
/// </summary>
internal sealed class ImageScorer(MLContext ml, SavedModel model, bool invert = false)
{
    private readonly string? _imageColumn = model.EncodedImageInput();
    private readonly string? _pathColumn = model.EncodedImageInput() is null ? model.ImagePathInput() : null;
    private readonly (string Column, int Side)? _grayscale =
        model.EncodedImageInput() is null && model.ImagePathInput() is null ? model.SquareGrayscaleInput() : null;

    /// <summary>
    /// The predictions for <paramref name="images"/>, in their order. For an MNIST model, the indices of the images with a
    /// light background (<see cref="PredictImageChecks.BorderMean"/>) are added to <paramref name="lightBackground"/>, and
    /// with <c>invert</c> black and white are swapped before scoring.
    /// </summary>
    public IReadOnlyList<Prediction> Score(IReadOnlyList<CheckedImage> images, List<int>? lightBackground = null)
    {
        if (images.Count == 0) return [];
        if (_imageColumn is not null)
        {
            var decoded = images.Select(i => EncodedImages.Decode(i.Bytes, i.Path)).ToList();
            try
            {
                return model.Predict(EncodedImages.Rows(ml, _imageColumn, decoded));
            }
            finally
            {
                decoded.ForEach(i => i.Dispose());
            }
        }
        if (_pathColumn is not null) return model.Predict(TextRows(_pathColumn, images.Select(i => i.Path)));
        var (column, side) = _grayscale!.Value;
        var vectors = ImageFiles.GrayscaleVectors(ml, images.Select(i => i.Path).ToList(), side);
        lightBackground?.AddRange(Enumerable.Range(0, vectors.Length).Where(i => PredictImageChecks.BorderMean(vectors[i], side) > PredictImageChecks.LightBackground));
        if (invert) vectors = vectors.Select(PredictImageChecks.Inverted).ToArray();
        return model.Predict(FeatureRows(column, side * side, vectors));
    }

    private IDataView FeatureRows(string column, int size, IEnumerable<float[]> vectors)
    {
        var definition = SchemaDefinition.Create(typeof(FeatureRow));
        var features = definition[nameof(FeatureRow.Features)];
        features.ColumnName = column;
        features.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return ml.Data.LoadFromEnumerable(vectors.Select(v => new FeatureRow { Features = v }).ToList(), definition);
    }

    private IDataView TextRows(string column, IEnumerable<string> paths)
    {
        var definition = SchemaDefinition.Create(typeof(PathRow));
        definition[nameof(PathRow.Path)].ColumnName = column;
        return ml.Data.LoadFromEnumerable(paths.Select(p => new PathRow { Path = p }).ToList(), definition);
    }

    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}
