using CnnMl.Data;
using CnnMl.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Demo.Models;

/// <summary>
/// A model zip loaded the way any ML.NET application loads it: <c>mlContext.Model.Load</c>, through the library's
/// verified loader (integrity checked first, one clear error for a damaged file). Nothing of CnnMl scores here:
/// the zip holds ML.NET's own transformers.
/// </summary>
internal sealed class SavedModel : IDisposable
{
    /// <summary>The columns the saved pipeline adds, by ML.NET's naming.</summary>
    public const string ScoreColumn = "Score";

    /// <summary>The predicted class name (text, after the <c>MapKeyToValue</c> that <c>cnnml train</c> appends).</summary>
    public const string PredictedLabelColumn = "PredictedLabel";

    private SavedModel(string path, ITransformer transformer, DataViewSchema inputSchema)
    {
        Path = path;
        Transformer = transformer;
        InputSchema = inputSchema;
    }

    /// <summary>The zip's full path.</summary>
    public string Path { get; }

    /// <summary>The loaded pipeline.</summary>
    public ITransformer Transformer { get; }

    /// <summary>The input schema saved with the pipeline (the training data's columns).</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>Loads <paramref name="path"/> with <c>mlContext.Model.LoadVerified</c>.</summary>
    public static SavedModel Load(MLContext ml, string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var transformer = ml.Model.LoadVerified(full, out var inputSchema);
        return new SavedModel(full, transformer, inputSchema);
    }

    /// <summary>
    /// The text input column of a model whose pipeline loads images itself (an image-folder model saved with
    /// ML.NET's <c>LoadImages</c> at its start reads file paths: <c>ImagePath</c>, Model Builder's <c>ImageSource</c>),
    /// or null.
    /// </summary>
    public string? ImagePathInput() =>
        InputSchema.Where(c => !c.IsHidden && c.Type is TextDataViewType)
            .Select(c => c.Name)
            .FirstOrDefault(n => n.Contains("Path", StringComparison.OrdinalIgnoreCase) || n.Contains("Source", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The image column of a model that reads an image's encoded bytes (trained from an image folder: the zip records
    /// the column as <c>Vector&lt;Byte&gt;</c> annotated <c>EncodedImage</c>, and <c>LoadVerified</c> gives it back as
    /// ML.NET's image type), or null. Its rows are <c>MLImage</c>s decoded from the bytes (<see cref="EncodedImages"/>).
    /// </summary>
    public string? EncodedImageInput() =>
        InputSchema.Where(c => !c.IsHidden && c.Type is ImageDataViewType).Select(c => c.Name).FirstOrDefault();

    /// <summary>
    /// The float-vector input column holding a square grayscale image (MNIST's <c>Image</c>: 784 = 28×28 values),
    /// and the image's side. Throws <see cref="NotSupportedException"/> for models that read other inputs.
    /// </summary>
    public (string Column, int Side) SquareGrayscaleInput()
    {
        foreach (var column in InputSchema)
        {
            if (column.Type is VectorDataViewType { ItemType: var item, Size: > 0 and var size } && item == NumberDataViewType.Single)
            {
                var side = (int)Math.Round(Math.Sqrt(size));
                if (side * side == size) return (column.Name, side);
            }
        }
        throw new NotSupportedException(
            $"'{Path}' reads {Describe(InputSchema)}; cnnml predict feeds image files to models that read one square grayscale " +
            "float vector (MNIST's Image column, 784 = 28x28 values).");
    }

    /// <summary>The class names in <c>Score</c>'s slot order (the training label's key values), or null when the zip does not carry them.</summary>
    public string[]? ClassNames() => SlotNames(Transformer.GetOutputSchema(InputSchema)[ScoreColumn]);

    /// <summary>
    /// An image folder (one sub-folder per label) as rows this model evaluates: <c>ImagePath</c> as the model reads it and
    /// <c>Label</c> as the model's own label key (the folder names mapped to the training classes, in the model's order).
    /// Throws <see cref="NotSupportedException"/> for a model that does not read image paths and
    /// <see cref="InvalidDataException"/> for a folder label the model was not trained on.
    /// </summary>
    public IDataView ImageFolderRows(MLContext ml, string directory)
    {
        var imageColumn = EncodedImageInput();
        var pathColumn = imageColumn is null ? ImagePathInput() : null;
        if (imageColumn is null && pathColumn is null)
            throw new NotSupportedException(
                $"'{Path}' reads {Describe(InputSchema)}, not images; --images evaluates models trained on image folders (cnnml train --images).");
        var classes = ClassNames() ?? throw new NotSupportedException($"'{Path}' does not name its classes (Score has no slot names); its labels cannot be matched to folder names.");
        var folder = ImageFolder.Load(directory);
        var unknown = folder.Labels.Except(classes, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            throw new InvalidDataException(
                $"Image folder '{folder.Directory}' has label(s) {string.Join(", ", unknown.Select(l => $"'{l}'"))} the model was not trained on; it knows {string.Join(", ", classes)}.");
        var rows = folder.ToDataView(ml);
        var keys = ml.Data.LoadFromEnumerable(classes.Select(c => new LabeledImage { Label = c }));
        var labels = ml.Transforms.Conversion.MapValueToKey("Label", keyData: ml.Transforms.SelectColumns("Label").Fit(keys).Transform(keys)).Fit(rows);
        var keyed = labels.Transform(rows);
        // A model that reads decoded images gets each file decoded by ML.NET's LoadImages (the bytes through MLImage.CreateFromStream).
        if (imageColumn is not null) return ml.Transforms.LoadImages(imageColumn, "", ImageInputCatalog.ImagePathColumnName).Fit(keyed).Transform(keyed);
        return pathColumn == ImageInputCatalog.ImagePathColumnName ? keyed : ml.Transforms.CopyColumns(pathColumn!, ImageInputCatalog.ImagePathColumnName).Fit(keyed).Transform(keyed);
    }

    /// <summary>ML.NET's multiclass evaluation of the pipeline on <paramref name="data"/> (label column <c>Label</c>).</summary>
    public MulticlassClassificationMetrics Evaluate(MLContext ml, IDataView data) =>
        ml.MulticlassClassification.Evaluate(Transformer.Transform(data), "Label", ScoreColumn, PredictedLabelColumn);

    /// <summary>Scores the rows of <paramref name="data"/> in one batch <c>Transform</c>: each row's predicted label and its classes by score.</summary>
    public IReadOnlyList<Prediction> Predict(IDataView data)
    {
        var scored = Transformer.Transform(data);
        var score = scored.Schema[ScoreColumn];
        var predicted = scored.Schema[PredictedLabelColumn];
        var classNames = SlotNames(score);
        var predictions = new List<Prediction>();
        using var cursor = scored.GetRowCursor([score, predicted]);
        var readLabel = LabelReader(cursor, predicted);
        var scoreGetter = cursor.GetGetter<VBuffer<float>>(score);
        var scores = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            scoreGetter(ref scores);
            var values = scores.DenseValues().ToArray();
            var ranked = values.Select((s, i) => new ClassScore(classNames?[i] ?? $"class {i}", s))
                .OrderByDescending(c => c.Score)
                .ToArray();
            predictions.Add(new Prediction(readLabel(), ranked));
        }
        return predictions;
    }

    /// <summary>Disposes the pipeline (its ONNX Runtime session).</summary>
    public void Dispose() => (Transformer as IDisposable)?.Dispose();

    /// <summary>"Image: Vector&lt;Single, 784&gt;, Label: Key&lt;UInt32, 0-9&gt;".</summary>
    public static string Describe(DataViewSchema schema) => string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"{c.Name}: {c.Type}"));

    private static string[]? SlotNames(DataViewSchema.Column score)
    {
        if (!score.HasSlotNames()) return null;
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        score.GetSlotNames(ref names);
        var result = names.DenseValues().Select(n => n.ToString()).ToArray();
        return score.Type is VectorDataViewType { Size: var size } && result.Length == size ? result : null;
    }

    private static Func<string> LabelReader(DataViewRowCursor cursor, DataViewSchema.Column predicted)
    {
        switch (predicted.Type)
        {
            case TextDataViewType:
            {
                var getter = cursor.GetGetter<ReadOnlyMemory<char>>(predicted);
                ReadOnlyMemory<char> value = default;
                return () =>
                {
                    getter(ref value);
                    return value.ToString();
                };
            }
            case KeyDataViewType:
            {
                // A pipeline saved without MapKeyToValue: the key's values name the classes.
                var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
                predicted.GetKeyValues(ref keyValues);
                var names = keyValues.DenseValues().Select(n => n.ToString()).ToArray();
                var getter = cursor.GetGetter<uint>(predicted);
                uint key = 0;
                return () =>
                {
                    getter(ref key);
                    return key >= 1 && key <= names.Length ? names[key - 1] : $"key {key}";
                };
            }
            default:
                throw new NotSupportedException($"PredictedLabel is {predicted.Type}; expected text or a key type.");
        }
    }
}

/// <summary>One scored row: the pipeline's predicted label and every class by descending score.</summary>
internal sealed record Prediction(string Label, IReadOnlyList<ClassScore> Ranked);

/// <summary>A class and its score.</summary>
internal sealed record ClassScore(string Label, float Score);
