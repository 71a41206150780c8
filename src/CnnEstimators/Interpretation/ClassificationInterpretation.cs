using System.Globalization;
using CnnMl.Data;
using CnnMl.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Interpretation;

/// <summary>
/// What a classifier got wrong on scored data, as fastai's <c>ClassificationInterpretation</c> shows it: the examples
/// with the highest loss (<see cref="TopLosses"/>) and the pairs of classes most often confused
/// (<see cref="MostConfused"/>), from one pass over the label and score columns.
/// </summary>
public sealed class ClassificationInterpretation
{
    private readonly Example[] _examples;
    private readonly long[,] _confusion;
    private readonly string[] _names;

    private ClassificationInterpretation(Example[] examples, long[,] confusion, string[] names, long skipped)
    {
        _examples = examples;
        _confusion = confusion;
        _names = names;
        SkippedRows = skipped;
    }

    /// <summary>The class names in class-index order: the label's key values, or the class indices as text when it has none.</summary>
    public IReadOnlyList<string> ClassNames => _names;

    /// <summary>The examples interpreted: rows with a label and finite scores.</summary>
    public long ExampleCount => _examples.Length;

    /// <summary>Rows left out because their label is missing (key 0) or their scores are not finite (an image with NaN pixels).</summary>
    public long SkippedRows { get; }

    /// <summary>Examples of class <paramref name="actual"/> predicted as <paramref name="predicted"/> (class indices).</summary>
    public long ConfusionCount(int actual, int predicted)
    {
        if ((uint)actual >= (uint)_names.Length) throw new ArgumentOutOfRangeException(nameof(actual), actual, $"Class index must be in [0, {_names.Length}); it is {actual}.");
        if ((uint)predicted >= (uint)_names.Length) throw new ArgumentOutOfRangeException(nameof(predicted), predicted, $"Class index must be in [0, {_names.Length}); it is {predicted}.");
        return _confusion[actual, predicted];
    }

    /// <summary>
    /// Reads a scored data view: a key-typed label column and a score column of one probability per class (slot i for
    /// class index i), as <see cref="CnnTransformer"/> and ML.NET's multiclass trainers write them.
    /// </summary>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, or the score has another length than the label has classes.</exception>
    public static ClassificationInterpretation FromScoredData(IDataView scored, string labelColumnName = "Label", string scoreColumnName = "Score")
    {
        ArgumentNullException.ThrowIfNull(scored);
        var label = scored.Schema.GetColumnOrNull(labelColumnName) ?? throw new ArgumentException(
            $"The scored data has no label column '{labelColumnName}' (columns: {string.Join(", ", scored.Schema.Select(c => c.Name))}).", nameof(labelColumnName));
        var score = scored.Schema.GetColumnOrNull(scoreColumnName) ?? throw new ArgumentException(
            $"The scored data has no score column '{scoreColumnName}' (columns: {string.Join(", ", scored.Schema.Select(c => c.Name))}). Score it with the model's Transform first.",
            nameof(scoreColumnName));
        if (label.Type is not KeyDataViewType { RawType: var keyType } key || keyType != typeof(uint))
            throw new ArgumentException($"Label column '{labelColumnName}' is {label.Type}; it must be a key of UInt32 (MapValueToKey).", nameof(labelColumnName));
        if (score.Type is not VectorDataViewType { ItemType: NumberDataViewType { RawType: var itemType }, Size: var size } || itemType != typeof(float) || size == 0)
            throw new ArgumentException($"Score column '{scoreColumnName}' is {score.Type}; it must be a known-size vector of Single (one probability per class).", nameof(scoreColumnName));
        var classes = checked((int)key.Count);
        if (size != classes)
            throw new ArgumentException($"Score column '{scoreColumnName}' has {size} values per row; label column '{labelColumnName}' has {classes} classes. Score with the model trained on this label.",
                nameof(scoreColumnName));
        var names = KeyValueAnnotations.ReadNames(label) is { } read && read.Length == classes
            ? read
            : Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

        var examples = new List<Example>();
        var confusion = new long[classes, classes];
        long skipped = 0, row = -1;
        using var cursor = scored.GetRowCursor([label, score]);
        var getLabel = cursor.GetGetter<uint>(label);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        uint labelValue = 0;
        var scores = default(VBuffer<float>);
        var probabilities = new float[classes];
        while (cursor.MoveNext())
        {
            row++;
            getLabel(ref labelValue);
            getScore(ref scores);
            scores.CopyTo(probabilities);
            if (labelValue == 0 || !probabilities.All(float.IsFinite))
            {
                skipped++;
                continue;
            }
            var actual = (int)labelValue - 1;
            var predicted = 0;
            for (var c = 1; c < classes; c++)
            {
                if (probabilities[c] > probabilities[predicted]) predicted = c;
            }
            confusion[actual, predicted]++;
            examples.Add(new Example(row, actual, probabilities[actual], predicted, probabilities[predicted]));
        }
        return new ClassificationInterpretation(examples.ToArray(), confusion, names, skipped);
    }

    /// <summary>Scores <paramref name="data"/> with <paramref name="model"/> and reads the result (<see cref="FromScoredData"/>).</summary>
    public static ClassificationInterpretation FromModel(CnnTransformer model, IDataView data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        return FromScoredData(model.Transform(data), model.Definition.LabelColumnName, model.Definition.ScoreColumnName);
    }

    /// <summary>
    /// The <paramref name="count"/> examples with the highest loss (cross-entropy of the true class), highest first;
    /// equal losses in row order. Correct predictions count too, as in fastai's <c>top_losses</c>.
    /// </summary>
    public IReadOnlyList<TopLoss> TopLosses(int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, $"Ask for at least one example; count is {count}.");
        return _examples
            .Select(e => (Example: e, Loss: -Math.Log(e.ActualProbability)))
            .OrderByDescending(e => e.Loss)
            .ThenBy(e => e.Example.Row)
            .Take(count)
            .Select(e => new TopLoss(e.Example.Row, e.Example.Actual, _names[e.Example.Actual], e.Example.ActualProbability,
                e.Example.Predicted, _names[e.Example.Predicted], e.Example.PredictedProbability, e.Loss))
            .ToArray();
    }

    /// <summary>
    /// Pairs of different classes (actual, predicted) with at least <paramref name="minimumCount"/> examples, most
    /// frequent first; equal counts by actual then predicted class index — fastai's <c>most_confused(min_val)</c>.
    /// </summary>
    public IReadOnlyList<ConfusedPair> MostConfused(int minimumCount = 1)
    {
        if (minimumCount < 1) throw new ArgumentOutOfRangeException(nameof(minimumCount), minimumCount, $"minimumCount must be at least 1; it is {minimumCount}.");
        var pairs = new List<ConfusedPair>();
        for (var actual = 0; actual < _names.Length; actual++)
        {
            for (var predicted = 0; predicted < _names.Length; predicted++)
            {
                var n = _confusion[actual, predicted];
                if (actual != predicted && n >= minimumCount) pairs.Add(new ConfusedPair(actual, _names[actual], predicted, _names[predicted], n));
            }
        }
        // OrderByDescending is stable: ties keep the row-major order they were added in.
        return pairs.OrderByDescending(p => p.Count).ToArray();
    }

    private readonly record struct Example(long Row, int Actual, float ActualProbability, int Predicted, float PredictedProbability);
}
